"""Interface language: Qt translators (.qm from resources/i18n) and the
language that schema labels (categories, fields) are shown in.

Switching installs new translators; Qt then sends a LanguageChange event
to every widget, and each widget's ``retranslate()`` re-reads its texts.
Schema labels are not in the .qm files: they come in Chinese and English
from :mod:`ecoinv.schema`, picked by :func:`data_lang`.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from ..paths import resources_dir

# Language names are shown in their own language, as every program does.
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}

_state = {"lang": "en"}
_installed: list[QTranslator] = []


def system_language() -> str:
    name = QLocale.system().name()  # e.g. "zh_CN", "en_US", "C"
    return "zh_CN" if name.lower().startswith("zh") else "en"


def resolve(lang: str | None) -> str:
    """'' or None → the system language; unknown codes → English."""
    if not lang:
        return system_language()
    if lang.lower().startswith("zh"):
        return "zh_CN"
    return "en" if lang not in LANGUAGES else lang


def current() -> str:
    return _state["lang"]


def data_lang() -> str:
    """The language code schema labels take ('zh' or 'en')."""
    return "zh" if _state["lang"].startswith("zh") else "en"


def qm_path(lang: str):
    return resources_dir() / "i18n" / f"ecoinv_{lang}.qm"


def install(lang: str | None, app: QCoreApplication | None = None) -> str:
    """Make ``lang`` (or the system language) the interface language; returns it.

    English is the source language, so it needs no translator.  Qt's own
    strings (standard buttons, file dialogs) come from Qt's qtbase .qm.
    """
    app = app or QCoreApplication.instance()
    lang = resolve(lang)
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang != "en":
        ours = QTranslator(app)
        if ours.load(str(qm_path(lang))):
            app.installTranslator(ours)
            _installed.append(ours)
        qt = QTranslator(app)
        if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
    _state["lang"] = lang
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China)
                       if lang == "zh_CN" else QLocale(QLocale.Language.English,
                                                      QLocale.Country.UnitedStates))
    # Qt posts LanguageChange to every window; deliver them now so the
    # whole interface has switched when this returns.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    return lang


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate(context, text, disambiguation, n)


class Retranslating:
    """Mixin for widgets whose texts follow the application language.

    Qt sends every widget a LanguageChange event when a translator is
    installed or removed; the widget then sets its texts again in
    ``retranslate()``.  List it before the Qt base class.
    """

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
