"""The inventory report from the app: File > Export Report as PDF, Print
Preview and Print.

Each starts with a small options dialog (language, atlas, sections), then a
:class:`ReportJob` computes the statistics and builds the report model in a
worker thread (on its own inventory connection) and paints the pages on the
UI thread: QPainter on a QPdfWriter or QPrinter must not leave it.  A
window-modal QProgressDialog shows both stages; its Cancel stops the
statistics in the worker and the painting between two pages.

The slots the actions call take the file name (or the configured printer)
as an ordinary parameter, so that everything after the system's file or
print dialog is the same code in use and in the tests.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QGroupBox, QLabel, QProgressDialog, QVBoxLayout,
                               QWidget)

from ..report import DEFAULT_SECTIONS, ReportCancelled
from ..store import Inventory
from . import i18n
from .workers import Task

# Report languages, named in their own language as the language menu does.
REPORT_LANGUAGES = (("zh", "中文"), ("en", "English"))


def _build_model(inventory_path: str, lang: str, sections, atlas: bool, *, progress, cancel):
    from ..report import build_report

    with Inventory.open(inventory_path) as inv:
        return build_report(inv, lang=lang, sections=sections, atlas=atlas, progress=progress,
                            cancel=cancel)


def a4_printer(printer: QPrinter | None = None) -> QPrinter:
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    return printer


class ReportOptionsDialog(i18n.Retranslating, QDialog):
    """Language, atlas and sections of the report; window-modal, not blocking."""

    def __init__(self, purpose: str, lang: str, atlas: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reportOptionsDialog")
        self.purpose = purpose  # "pdf", "print" or "preview"
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.lang_combo = QComboBox(self)
        for code, name in REPORT_LANGUAGES:
            self.lang_combo.addItem(name, code)
        self.lang_caption = QLabel(self)
        form.addRow(self.lang_caption, self.lang_combo)
        layout.addLayout(form)
        self.atlas_check = QCheckBox(self)
        layout.addWidget(self.atlas_check)
        self.sections_box = QGroupBox(self)
        box = QVBoxLayout(self.sections_box)
        self.section_checks: dict[str, QCheckBox] = {}
        for key in DEFAULT_SECTIONS:
            check = QCheckBox(self.sections_box)
            check.setChecked(True)
            check.toggled.connect(self._update_ok)
            box.addWidget(check)
            self.section_checks[key] = check
        layout.addWidget(self.sections_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.atlas_check.toggled.connect(self._update_ok)
        self.set_options(lang=lang, atlas=atlas)
        self.retranslate()


    def retranslate(self) -> None:
        titles = {"pdf": self.tr("Export Report as PDF"), "print": self.tr("Print the Report"),
                  "preview": self.tr("Print Preview of the Report")}
        oks = {"pdf": self.tr("Choose File…"), "print": self.tr("Print…"),
               "preview": self.tr("Preview")}
        self.setWindowTitle(titles[self.purpose])
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(oks[self.purpose])
        self.lang_caption.setText(self.tr("Report language:"))
        self.atlas_check.setText(self.tr("Include the site atlas (one page per site, with its map)"))
        self.sections_box.setTitle(self.tr("Sections"))
        labels = {"cover": self.tr("Cover and contents"), "summary": self.tr("Summary"),
                  "map": self.tr("Overview map"), "categories": self.tr("Sites by category"),
                  "districts": self.tr("Districts and counties"), "landcover": self.tr("Land cover"),
                  "quality": self.tr("Data quality")}
        for key, check in self.section_checks.items():
            check.setText(labels[key])

    def _update_ok(self, *_) -> None:
        lang, atlas, sections = self.options()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            atlas or sections is None or bool(sections))

    def set_options(self, lang: str | None = None, atlas: bool | None = None,
                    sections=None) -> None:
        if lang is not None:
            self.lang_combo.setCurrentIndex(max(0, self.lang_combo.findData(lang)))
        if atlas is not None:
            self.atlas_check.setChecked(atlas)
        if sections is not None:
            for key, check in self.section_checks.items():
                check.setChecked(key in sections)
        self._update_ok()

    def options(self) -> tuple[str, bool, list[str] | None]:
        """(lang, atlas, sections); sections None: the report's default set."""
        chosen = [k for k, c in self.section_checks.items() if c.isChecked()]
        return (self.lang_combo.currentData(), self.atlas_check.isChecked(),
                None if len(chosen) == len(self.section_checks) else chosen)


class ReportJob(QObject):
    """One report: statistics in a worker, then ``paint(model, progress, cancel)``
    on the UI thread, with a progress dialog throughout.

    ``finished`` carries what ``paint`` returned (the model when there is no
    ``paint``); ``failed`` the exception, :class:`ReportCancelled` after Cancel.
    """

    progressed = Signal(str, int, int)  # stage ("statistics", "pages"), done, total
    finished = Signal(object)
    failed = Signal(object)
    done = Signal()

    def __init__(self, inventory_path: str, lang: str, atlas: bool, sections,
                 paint: Callable | None, title: str, parent: QWidget):
        super().__init__(parent)
        self.args = (str(inventory_path), lang, sections, atlas)
        self.paint = paint
        self.stage = "statistics"
        self.task: Task | None = None
        self.model = None
        self._cancelled = False
        self._ended = False
        dialog = QProgressDialog(parent)
        dialog.setObjectName("reportProgress")
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        # The stages are shown and hidden here, not by the dialog's own timing.
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(360)
        dialog.canceled.connect(self.cancel)
        dialog.rejected.connect(self.cancel)  # Escape
        self.progress_dialog = dialog

    def start(self) -> "ReportJob":
        d = self.progress_dialog
        d.setLabelText(self.tr("Computing the statistics…"))
        d.setRange(0, 0)
        d.show()
        task = Task(_build_model, *self.args, name="report")
        task.progress.connect(self._statistics_progress)
        task.finished.connect(self._model_ready)
        task.failed.connect(self._end_failed)
        self.task = task
        task.start()
        return self

    def cancel(self) -> None:
        if self._ended:
            return
        self._cancelled = True
        if self.task is not None:
            self.task.cancel()
        self.progress_dialog.setLabelText(self.tr("Cancelling…"))

    def is_cancelled(self) -> bool:
        # QProgressDialog.cancel() (unlike its Cancel button) does not emit canceled.
        return self._cancelled or (not self._ended and self.progress_dialog.wasCanceled())

    @property
    def is_running(self) -> bool:
        return not self._ended

    def _statistics_progress(self, done: int, total: int) -> None:
        if self._ended or self.is_cancelled():
            return
        self.progress_dialog.setRange(0, max(total, 1))
        self.progress_dialog.setValue(done)
        self.progressed.emit("statistics", done, total)

    def _page_progress(self, done: int, total: int) -> None:
        d = self.progress_dialog
        if not self.is_cancelled():
            d.setLabelText(self.tr("Page {n} of {total}").format(n=done, total=total))
            d.setRange(0, max(total, 1))
            d.setValue(done)
        self.progressed.emit("pages", done, total)
        # The pages are painted on this thread: let the Cancel button (and
        # the repaint of the dialog) through between two pages.
        QCoreApplication.processEvents()

    def _model_ready(self, model) -> None:
        self.model = model
        if self.is_cancelled():
            self._end_failed(ReportCancelled("report cancelled"))
            return
        if self.paint is None:
            self._end_finished(model)
            return
        self.stage = "pages"
        self.progress_dialog.setLabelText(self.tr("Laying out the pages…"))
        self.progress_dialog.setRange(0, 0)
        QCoreApplication.processEvents()
        try:
            result = self.paint(model, self._page_progress, self.is_cancelled)
        except Exception as exc:  # reported like a worker's failure, never lost in a slot
            self._end_failed(exc)
            return
        self._end_finished(result)

    def _close_dialog(self) -> None:
        self._ended = True
        self.progress_dialog.hide()
        self.progress_dialog.deleteLater()

    def _end_finished(self, result) -> None:
        if self._ended:
            return
        self._close_dialog()
        self.finished.emit(result)
        self.done.emit()

    def _end_failed(self, exc) -> None:
        if self._ended:
            return
        from ..metrics import StatsCancelled

        if isinstance(exc, StatsCancelled):
            exc = ReportCancelled("report cancelled")
        self._close_dialog()
        self.failed.emit(exc)
        self.done.emit()


class ReportController(QObject):
    """The window's report actions (one report at a time)."""

    jobStarted = Signal(object)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: ReportJob | None = None
        self.options_dialog: ReportOptionsDialog | None = None
        self.preview_window: QPrintPreviewDialog | None = None
        self._preview_printer: QPrinter | None = None

    def is_busy(self) -> bool:
        return self.job is not None and self.job.is_running

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    # -- the actions' slots: options dialog, then the system's file or print dialog ----------
    def _ask_options(self, purpose: str, then: Callable[[str, bool, list | None], None]
                     ) -> ReportOptionsDialog | None:
        if not self._can_start():
            return None
        saved = self.window.settings.report_options()
        if self.options_dialog is not None:
            self.options_dialog.deleteLater()
        dialog = ReportOptionsDialog(purpose, saved["lang"] or i18n.data_lang(), saved["atlas"],
                                     self.window)
        dialog.accepted.connect(lambda: then(*dialog.options()))
        self.options_dialog = dialog
        dialog.open()
        return dialog

    def export_pdf_dialog(self, path: str | None = None) -> ReportOptionsDialog | None:
        """File > Export Report as PDF: options, then where (``path`` skips the file dialog)."""
        def chosen(lang, atlas, sections):
            target = path or self._choose_pdf(lang)
            if target:
                self.export_pdf(target, lang, atlas, sections)

        return self._ask_options("pdf", chosen)

    def print_dialog(self, printer: QPrinter | None = None) -> ReportOptionsDialog | None:
        """File > Print: options, then the system's print dialog (skipped for a given printer)."""
        def chosen(lang, atlas, sections):
            target = printer
            if target is None:
                target = a4_printer()
                dialog = QPrintDialog(target, self.window)
                dialog.setWindowTitle(self.tr("Print the Report"))
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return
            self.print_to(target, lang, atlas, sections)

        return self._ask_options("print", chosen)

    def print_preview_dialog(self) -> ReportOptionsDialog | None:
        """File > Print Preview: options, then the preview."""
        return self._ask_options("preview", self.preview)

    def _choose_pdf(self, lang: str) -> str:
        inv = self.window.inv
        folder = self.window.settings.last_dir("report") or str(inv.path.parent)
        name = f"{inv.path.stem}-report-{lang}.pdf"
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Export Report as PDF"),
                                              str(Path(folder) / name), self.tr("PDF files (*.pdf)"))
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    # -- the work ----------------------------------------------------------------------------
    def _can_start(self) -> bool:
        if self.window.inv is None:
            self.window.show_error(self.tr("No inventory open"),
                                   self.tr("Open an inventory to make its report."))
            return False
        if self.is_busy():
            self.window.statusBar().showMessage(self.tr("A report is already being made."), 5000)
            return False
        return True

    def _start(self, lang: str, atlas: bool, sections, paint, title: str, on_finished,
               failed_title: str, cancelled_text: str) -> ReportJob | None:
        if not self._can_start():
            return None
        self.window.settings.set_report_options(lang, atlas)
        job = ReportJob(str(self.window.inv.path), lang, atlas, sections, paint, title, self.window)
        job.finished.connect(on_finished)
        job.failed.connect(lambda exc: self._failed(exc, failed_title, cancelled_text))
        job.done.connect(lambda: self._job_done(job))
        self.job = job
        self.jobStarted.emit(job)
        job.start()
        self.window._update_actions()
        return job

    def _job_done(self, job: ReportJob) -> None:
        if job is self.job:
            self.job = None
        job.deleteLater()
        self.window._update_actions()

    def _failed(self, exc, title: str, cancelled_text: str) -> None:
        if isinstance(exc, ReportCancelled):
            self.window.statusBar().showMessage(cancelled_text, 8000)
        else:
            self.window.show_error(title, exc)

    def export_pdf(self, path, lang: str, atlas: bool = False, sections=None) -> ReportJob | None:
        """Write the report to ``path``; the file appears only when complete."""
        from ..render.report_painter import write_pdf

        path = str(path)

        def paint(model, progress, cancel):
            return write_pdf(model, path, progress=progress, cancel=cancel, inv=self.window.inv)

        def written(pages):
            self.window.statusBar().showMessage(
                self.tr("Report written to {path} ({pages} pages).").format(path=path, pages=pages),
                10000)

        job = self._start(lang, atlas, sections, paint, self.tr("Export Report as PDF"), written,
                          self.tr("The report was not written"),
                          self.tr("Report cancelled: no file was written."))
        if job is not None:
            self.window.settings.set_last_dir(path, "report")
        return job

    def print_to(self, printer: QPrinter, lang: str, atlas: bool = False, sections=None
                 ) -> ReportJob | None:
        """Print the report on an already set-up printer (the print dialog's, or a test's)."""
        from ..render.report_painter import print_report

        def paint(model, progress, cancel):
            def stop() -> bool:
                if cancel():
                    # Where the print system can (not CUPS), drop the pages already sent.
                    printer.abort()
                    return True
                return False

            try:
                return print_report(model, printer, progress=progress, cancel=stop,
                                    inv=self.window.inv)
            except ReportCancelled:
                out = printer.outputFileName()
                if out and printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
                    # Printing to a file: a cancelled run leaves no half document.
                    try:
                        os.unlink(out)
                    except OSError:
                        pass
                raise

        def printed(pages):
            self.window.statusBar().showMessage(
                self.tr("Report sent to {printer} ({pages} pages).").format(
                    printer=printer.printerName() or printer.outputFileName(), pages=pages), 10000)

        return self._start(lang, atlas, sections, paint, self.tr("Print the Report"), printed,
                           self.tr("The report was not printed"), self.tr("Printing cancelled."))

    def preview(self, lang: str, atlas: bool = False, sections=None) -> ReportJob | None:
        """Compute the report, then show it in a print preview (A4) that can print it."""
        return self._start(lang, atlas, sections, None, self.tr("Print Preview of the Report"),
                           self._show_preview, self.tr("The report cannot be shown"),
                           self.tr("Print preview cancelled."))

    def _show_preview(self, model) -> QPrintPreviewDialog:
        from ..render.report_painter import print_report

        if self.preview_window is not None:
            self.preview_window.close()
            self.preview_window.deleteLater()
        # QPrintPreviewDialog does not own the printer it is given.
        self._preview_printer = printer = a4_printer()
        dialog = QPrintPreviewDialog(printer, self.window)
        dialog.setObjectName("reportPreview")
        dialog.setWindowTitle(self.tr("Print Preview — {title}").format(title=model.header))
        dialog.resize(900, 1000)

        def paint(target: QPrinter) -> None:
            try:
                print_report(model, target, inv=self.window.inv)
            except Exception as exc:  # a slot must not let it escape into Qt
                self.window.show_error(self.tr("The report cannot be shown"), exc, parent=dialog)

        dialog.paintRequested.connect(paint)
        self.preview_window = dialog
        dialog.open()
        return dialog
