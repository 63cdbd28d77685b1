"""Undoable edits: one command class per kind of change, an undo stack, a feature's history.

Unlike an edit buffer, nothing waits in memory: a command's change is
committed in its own store transaction when it is pushed, its undo is a new
transaction and so is its redo, so a crash loses nothing and the history
table records every step.  A command keeps the full before and after state
(every field and the geometry's WKB) of each feature it touched; undo and
redo write one state over the other, and refuse with :class:`ConflictError`
when the feature is no longer in the state the command left it in (someone
else changed it in the meantime).

History ``action`` values written here
    ``insert``, ``update``, ``delete``  a command's own change to a feature
    ``restore``                          :class:`RestoreVersion`'s change
    ``undo-<verb>``                      undo of that change: ``undo-insert`` removes
                                         the added feature, ``undo-delete`` re-creates
                                         the deleted one under its old id,
                                         ``undo-update``/``undo-restore`` put back the
                                         earlier values
    ``redo-<verb>``                      the same change made again by redo
A split writes ``update`` (the original) and ``insert`` (the new parts); a
merge ``update`` (the kept feature, and zones moved to it) and ``delete``.
Every row of one command (its change, undos and redos) carries the
command's ``batch`` id (``edit:<hex>``); the children of a macro share the
macro's.

The GUI's Edit menu and undo panel use :class:`UndoStack` directly (it
follows QUndoStack: index, clean state, merging, macros, limit); its
``ecoinv.events.Signal`` attributes replace Qt signals.
"""
from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Iterator, Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from . import schema
from .errors import EcoinvError
from .events import Signal
from .geometry import GeometryError
from .geometry_ops import merge_polygons, prepare_geometry, split_polygon
from .store import FeatureNotFound, HistoryEntry, Inventory, StoreError

__all__ = [
    "EditError", "ConflictError", "FeatureState", "Command", "AddFeature", "DeleteFeatures",
    "ChangeGeometry", "ChangeAttributes", "RestoreVersion", "SplitFeature", "MergeFeatures",
    "MacroCommand", "UndoStack", "AttributeChange", "FeatureChange", "feature_history",
    "feature_version",
]

Key = tuple[str, int]  # (layer, feature id)


class EditError(EcoinvError):
    """An edit that cannot be made as asked (bad arguments, stack misuse, broken history)."""


class ConflictError(EditError):
    """Undo or redo would overwrite a change someone else made to the same feature."""


def _layer(name: str) -> schema.Layer:
    try:
        return schema.LAYERS[name]
    except KeyError:
        raise StoreError(f"no layer {name!r}; layers: {', '.join(schema.LAYERS)}") from None


def _new_batch() -> str:
    return f"edit:{uuid.uuid4().hex}"


# --- feature states -----------------------------------------------------------

@dataclass(frozen=True, eq=True)
class FeatureState:
    """A feature's whole row: every field (computed ones too) and the geometry as WKB."""

    props: dict
    wkb: bytes

    @property
    def geometry(self) -> BaseGeometry:
        return shapely.from_wkb(self.wkb)

    def editable(self, layer: str) -> dict:
        ldef = schema.LAYERS[layer]
        return {k: v for k, v in self.props.items() if not ldef.field(k).computed}


def _wkb(geom: BaseGeometry | None) -> bytes:
    # One normalisation for every state (read rows, history rows) so that
    # equal geometries compare equal byte for byte.
    return b"" if geom is None else shapely.to_wkb(geom)


def _read_state(inv: Inventory, layer: str, fid: int) -> FeatureState | None:
    for f in inv.features(layer, ids=[fid]):
        return FeatureState(dict(f.props), _wkb(f.geometry))
    return None


def _rank(layer: str) -> int:
    # Layers that reference another (asset_zones -> assets) are written after
    # it and deleted before it, so foreign keys hold at every statement.
    return 1 if any(f.references for f in schema.LAYERS[layer].fields) else 0


def _dependents(layer: str) -> list[tuple[str, str]]:
    return [(l.name, f.name) for l in schema.LAYERS.values() for f in l.fields
            if f.references == layer]


def _write_states(inv: Inventory, current: dict[Key, FeatureState | None],
                  target: dict[Key, FeatureState | None], actions: dict[Key, str]) -> None:
    """Make each feature in ``target`` match it, through the store (history rows included)."""
    keys = sorted(target, key=lambda k: (_rank(k[0]), k[0], k[1]))
    for key in keys:
        cur, tgt = current[key], target[key]
        if tgt is None or cur == tgt:
            continue
        layer, fid = key
        if cur is None:
            inv.insert(layer, tgt.editable(layer), tgt.geometry, fid=fid, action=actions[key])
        else:
            props = {k: v for k, v in tgt.editable(layer).items() if cur.props.get(k) != v}
            geom = tgt.geometry if tgt.wkb != cur.wkb else None
            inv.update(layer, fid, props, geom, action=actions[key])
    for key in reversed(keys):
        if target[key] is None and current[key] is not None:
            inv.delete(*key, action=actions[key])


# --- commands -----------------------------------------------------------------

class Command:
    """One undoable change (QUndoCommand without Qt).

    Subclasses implement ``_do(inv)``: make the change through the store,
    calling ``_touch`` before changing an existing feature and ``_added``
    after inserting one.  The base class records before/after states and
    does undo, redo and conflict checks for every kind of command alike.
    """

    #: Commands with equal, non-None keys may merge (QUndoCommand.id()).
    merge_key: Hashable | None = None
    #: History verb of this command's own writes; None: insert/update/delete.
    action: str | None = None

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.batch: str | None = None
        self.before: dict[Key, FeatureState | None] = {}
        self.after: dict[Key, FeatureState | None] = {}
        self.applied = False  # the change is in the inventory now
        self._done_once = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"

    # -- for subclasses
    def _do(self, inv: Inventory) -> None:
        raise NotImplementedError

    def _touch(self, inv: Inventory, layer: str, fid: int) -> FeatureState:
        key = (layer, int(fid))
        if key not in self.before:
            self.before[key] = _read_state(inv, layer, fid)
        state = self.before[key]
        if state is None:
            raise FeatureNotFound(f"{layer} has no feature {fid}")
        return state

    def _added(self, layer: str, fid: int) -> None:
        self.before.setdefault((layer, int(fid)), None)

    def merge_with(self, other: "Command") -> bool:
        """Absorb ``other`` (pushed right after this one); True when merged."""
        return False

    # -- used by the stack
    def apply(self, inv: Inventory) -> None:
        """Make the change for the first time, in one transaction (nothing changes if it raises)."""
        if self._done_once:
            raise EditError(f"{self!r} was applied already; use redo()")
        self.batch = self.batch or _new_batch()
        try:
            with inv.transaction(batch=self.batch):
                self._do(inv)
                self.after = {k: _read_state(inv, *k) for k in self.before}
        except BaseException:
            self.before, self.after = {}, {}
            raise
        self._done_once = self.applied = True

    def undo(self, inv: Inventory) -> None:
        self._move(inv, self.after, self.before, "undo")
        self.applied = False

    def redo(self, inv: Inventory) -> None:
        self._move(inv, self.before, self.after, "redo")
        self.applied = True

    def _verb(self, key: Key) -> str:
        if self.action:
            return self.action
        if self.before.get(key) is None:
            return "insert"
        return "delete" if self.after.get(key) is None else "update"

    def _move(self, inv: Inventory, expected: dict, target: dict, what: str) -> None:
        with inv.transaction(batch=self.batch):
            current = {}
            for key, exp in expected.items():
                cur = _read_state(inv, *key)
                if cur != exp:
                    raise ConflictError(self._conflict_message(inv, key, what))
                current[key] = cur
            _write_states(inv, current, target, {k: f"{what}-{self._verb(k)}" for k in target})

    def _conflict_message(self, inv: Inventory, key: Key, what: str) -> str:
        layer, fid = key
        last = inv.history(layer, fid, newest_first=True, limit=1)
        since = (f" (last change: {last[0].action} by {last[0].user} at {last[0].time})"
                 if last else "")
        return (f"cannot {what} {self.text!r}: {layer} {fid} was changed by someone else "
                f"since{since}; reload it and edit again")

    @property
    def obsolete(self) -> bool:
        """True when the command changes nothing (e.g. a drag back to where it started)."""
        return self._done_once and self.before == self.after

    def changes(self) -> dict[str, list[int]]:
        """Feature ids this command touches, by layer (for map refresh)."""
        out: dict[str, list[int]] = {}
        for layer, fid in sorted(self.before):
            out.setdefault(layer, []).append(fid)
        return out


def _layer_label(layer: str) -> str:
    return _layer(layer).en


class AddFeature(Command):
    def __init__(self, layer: str, props: dict, geometry: BaseGeometry, *, repair: bool = False,
                 text: str = "") -> None:
        super().__init__(text or f"Add feature to {_layer_label(layer)}")
        self.layer, self.props, self.geometry, self.repair = layer, dict(props), geometry, repair
        self.fid: int | None = None

    def _do(self, inv):
        geom = prepare_geometry(self.geometry, _layer(self.layer).geometry_type, repair=self.repair)
        self.fid = inv.insert(self.layer, self.props, geom)
        self._added(self.layer, self.fid)


class DeleteFeatures(Command):
    """Delete features in one step; an asset's zones go with it (and come back on undo)."""

    def __init__(self, layer: str, ids: Iterable[int], *, text: str = "") -> None:
        self.layer = layer
        self.ids = list(dict.fromkeys(int(i) for i in ids))
        if not self.ids:
            raise EditError("nothing to delete: no feature ids given")
        n = len(self.ids)
        super().__init__(text or f"Delete {n} feature{'s' if n > 1 else ''} from {_layer_label(layer)}")

    def _do(self, inv):
        for fid in self.ids:
            self._touch(inv, self.layer, fid)
            for dep, field in _dependents(self.layer):
                for f in list(inv.features(dep, filters={field: fid})):
                    self._touch(inv, dep, f.id)
                    inv.delete(dep, f.id)
            inv.delete(self.layer, fid)


class ChangeGeometry(Command):
    """Replace a feature's geometry; with ``mergeable`` consecutive ones merge (vertex drags)."""

    def __init__(self, layer: str, fid: int, new_geometry: BaseGeometry, *, repair: bool = False,
                 mergeable: bool = False, text: str = "") -> None:
        super().__init__(text or f"Change geometry of {_layer_label(layer)} {fid}")
        self.layer, self.fid, self.new_geometry, self.repair = layer, int(fid), new_geometry, repair
        if mergeable:
            self.merge_key = ("geometry", layer, int(fid))

    def _do(self, inv):
        geom = prepare_geometry(self.new_geometry, _layer(self.layer).geometry_type, repair=self.repair)
        self._touch(inv, self.layer, self.fid)
        inv.update(self.layer, self.fid, geometry=geom)

    def merge_with(self, other):
        key = (self.layer, self.fid)
        if (not isinstance(other, ChangeGeometry) or self.merge_key is None
                or other.merge_key != self.merge_key
                # someone else moved it between the two drags: keep both steps
                or other.before.get(key) != self.after.get(key)):
            return False
        self.after = dict(other.after)
        self.new_geometry = other.new_geometry
        return True


class ChangeAttributes(Command):
    def __init__(self, layer: str, fid: int, values: dict, *, text: str = "") -> None:
        if not values:
            raise EditError("no attribute values to change")
        super().__init__(text or f"Change {', '.join(values)} of {_layer_label(layer)} {fid}")
        self.layer, self.fid, self.values = layer, int(fid), dict(values)

    def _do(self, inv):
        self._touch(inv, self.layer, self.fid)
        inv.update(self.layer, self.fid, props=self.values)


class RestoreVersion(Command):
    """Put a feature back as it was right after history entry ``history_id``.

    When that entry removed the feature, the version restored is the one it
    removed, so a deleted feature is re-created under its old id.
    """

    action = "restore"

    def __init__(self, layer: str, fid: int, history_id: int, *, text: str = "") -> None:
        super().__init__(text or f"Restore {_layer_label(layer)} {fid} to version #{history_id}")
        self.layer, self.fid, self.history_id = layer, int(fid), int(history_id)

    def _do(self, inv):
        key = (self.layer, self.fid)
        target = feature_version(inv, self.layer, self.fid, self.history_id)
        self.before[key] = _read_state(inv, self.layer, self.fid)
        _write_states(inv, {key: self.before[key]}, {key: target}, {key: self.action})


class SplitFeature(Command):
    """Cut a polygon with a line: the feature keeps the largest part, new features get the others.

    New features copy the attributes; an asset's zones stay with the
    original feature.
    """

    def __init__(self, layer: str, fid: int, line: BaseGeometry, *, text: str = "") -> None:
        super().__init__(text or f"Split {_layer_label(layer)} {fid}")
        self.layer, self.fid, self.line = layer, int(fid), line
        self.new_ids: list[int] = []

    def _do(self, inv):
        state = self._touch(inv, self.layer, self.fid)
        if _layer(self.layer).geometry_type != "MULTIPOLYGON":
            raise GeometryError(f"{self.layer}: only polygon features can be split")
        parts = split_polygon(state.geometry, self.line, crs=inv.crs)
        inv.update(self.layer, self.fid, geometry=parts[0])
        self.new_ids = []
        for part in parts[1:]:
            fid = inv.insert(self.layer, state.editable(self.layer), part)
            self._added(self.layer, fid)
            self.new_ids.append(fid)


class MergeFeatures(Command):
    """Union polygons into the first feature (its attributes kept) and delete the others.

    Zones of merged-away assets are moved to the remaining asset rather
    than lost.
    """

    def __init__(self, layer: str, ids: Sequence[int], *, text: str = "") -> None:
        self.layer = layer
        self.ids = list(dict.fromkeys(int(i) for i in ids))
        if len(self.ids) < 2:
            raise EditError("a merge needs at least two different features")
        super().__init__(text or f"Merge {len(self.ids)} features of {_layer_label(layer)}")

    def _do(self, inv):
        if _layer(self.layer).geometry_type != "MULTIPOLYGON":
            raise GeometryError(f"{self.layer}: only polygon features can be merged")
        states = [self._touch(inv, self.layer, fid) for fid in self.ids]
        keep, rest = self.ids[0], self.ids[1:]
        inv.update(self.layer, keep, geometry=merge_polygons([s.geometry for s in states]))
        for fid in rest:
            for dep, field in _dependents(self.layer):
                for f in list(inv.features(dep, filters={field: fid})):
                    self._touch(inv, dep, f.id)
                    inv.update(dep, f.id, props={field: keep})
            inv.delete(self.layer, fid)


class MacroCommand(Command):
    """Several commands as one undo step, made by UndoStack.begin_macro()/end_macro()."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.batch = _new_batch()
        self.children: list[Command] = []

    def _add(self, cmd: Command) -> None:
        self.children.append(cmd)
        self._refresh()

    def _refresh(self) -> None:
        # A feature's state before the macro is the first child's "before",
        # after it the last child's "after".
        self.before, self.after = {}, {}
        for c in self.children:
            for key, state in c.before.items():
                self.before.setdefault(key, state)
            self.after.update(c.after)

    def apply(self, inv):  # children were applied as they were pushed
        raise EditError("a macro is built with UndoStack.begin_macro()/end_macro()")

    def undo(self, inv):
        with inv.transaction(batch=self.batch):
            for c in reversed(self.children):
                c.undo(inv)
        self.applied = False

    def redo(self, inv):
        with inv.transaction(batch=self.batch):
            for c in self.children:
                c.redo(inv)
        self.applied = True


# --- the undo stack -------------------------------------------------------------

class _Abort(Exception):
    """Thrown into an open macro transaction to roll it back."""


class UndoStack:
    """QUndoStack for an Inventory, without Qt.

    ``index`` is the number of commands currently applied; commands at and
    after it can be redone.  Signals: ``changed()`` after anything changes
    (refresh Edit menu texts and the undo panel), ``index_changed(index)``,
    ``clean_changed(is_clean)``, ``feature_changed(layer, ids)`` for the map.
    While a macro is open its transaction holds the file's write lock, so
    build macros in one go (a tool's action), not across user interaction.
    """

    def __init__(self, inv: Inventory, *, limit: int = 1000) -> None:
        self.inv = inv
        self._commands: list[Command] = []
        self._index = 0
        self._clean_index = 0
        self._limit = limit
        self._macros: list[tuple[MacroCommand, contextlib.AbstractContextManager]] = []
        self.changed = Signal("changed")
        self.index_changed = Signal("index_changed")
        self.clean_changed = Signal("clean_changed")
        self.feature_changed = Signal("feature_changed")

    # -- state
    @property
    def index(self) -> int:
        return self._index

    @property
    def count(self) -> int:
        return len(self._commands)

    def command(self, i: int) -> Command:
        return self._commands[i]

    def text(self, i: int) -> str:
        return self._commands[i].text

    @property
    def can_undo(self) -> bool:
        return not self._macros and self._index > 0

    @property
    def can_redo(self) -> bool:
        return not self._macros and self._index < len(self._commands)

    @property
    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo else ""

    @property
    def is_clean(self) -> bool:
        return not self._macros and self._index == self._clean_index

    @property
    def clean_index(self) -> int:
        """Index of the clean state; -1 once that state can no longer be reached."""
        return self._clean_index

    def set_clean(self) -> None:
        self._no_macro("mark the clean state")
        with self._emitting():
            self._clean_index = self._index

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        with self._emitting():
            self._limit = int(value)
            self._trim()

    @property
    def macro_open(self) -> bool:
        return bool(self._macros)

    # -- changes
    def push(self, cmd: Command) -> None:
        """Apply ``cmd`` and put it on the stack; if it raises, nothing changes.

        Discards commands that were undone (no redo after a new edit); merges
        into the previous command when both have the same ``merge_key``.
        Inside a macro, a command that fails rolls back the whole macro.
        """
        if cmd._done_once or isinstance(cmd, MacroCommand):
            raise EditError(f"{cmd!r} cannot be pushed: it was applied already or is a macro")
        if self._macros:
            self._push_in_macro(cmd)
            return
        top = self._commands[self._index - 1] if self._index > 0 else None
        # Qt does not merge into the clean state, so that state stays reachable.
        merge = (top is not None and cmd.merge_key is not None and cmd.merge_key == top.merge_key
                 and self._index != self._clean_index)
        if merge:
            cmd.batch = top.batch
        cmd.apply(self.inv)
        merged = merge and top.merge_with(cmd)
        if cmd.obsolete and not merged:
            return  # the content is as it was, so the redo tail is still valid
        with self._emitting(cmd):
            self._discard_redo()
            if merged:
                if top.obsolete:
                    self._commands.pop(self._index - 1)
                    self._index -= 1
            else:
                self._commands.append(cmd)
                self._index += 1
                self._trim()

    def undo(self) -> Command | None:
        """Undo the last applied command (None when there is nothing to undo)."""
        self._no_macro("undo")
        if self._index == 0:
            return None
        cmd = self._commands[self._index - 1]
        cmd.undo(self.inv)
        with self._emitting(cmd):
            self._index -= 1
        return cmd

    def redo(self) -> Command | None:
        self._no_macro("redo")
        if self._index >= len(self._commands):
            return None
        cmd = self._commands[self._index]
        cmd.redo(self.inv)
        with self._emitting(cmd):
            self._index += 1
        return cmd

    def set_index(self, index: int) -> None:
        """Undo or redo until ``index`` (a click in the undo panel); stops at the first error."""
        index = max(0, min(int(index), len(self._commands)))
        while self._index > index:
            self.undo()
        while self._index < index:
            self.redo()

    def clear(self) -> None:
        """Forget every command (the inventory keeps its content); the stack is then clean."""
        self._no_macro("clear the stack")
        with self._emitting():
            self._commands.clear()
            self._index = self._clean_index = 0

    # -- macros
    def begin_macro(self, text: str) -> None:
        """Open a macro: commands pushed until end_macro() are one undo step, all or nothing."""
        macro = MacroCommand(text)
        if self._macros:  # one step, one batch id
            macro.batch = self._macros[0][0].batch
        cm = self.inv.transaction(batch=macro.batch)
        cm.__enter__()
        self._macros.append((macro, cm))
        self.changed.emit()

    def end_macro(self) -> None:
        if not self._macros:
            raise EditError("end_macro() without begin_macro()")
        macro, cm = self._macros[-1]
        try:
            cm.__exit__(None, None, None)
        except BaseException:
            self._macros.pop()
            self.abort_macro()
            raise
        self._macros.pop()
        if self._macros:
            if macro.children:
                self._macros[-1][0]._add(macro)
            return
        macro._done_once = macro.applied = True
        with self._emitting(macro):
            self._discard_redo()
            if macro.children:
                self._commands.append(macro)
                self._index += 1
                self._trim()

    def abort_macro(self) -> None:
        """Roll back every open macro: the inventory is as it was before begin_macro()."""
        while self._macros:
            _, cm = self._macros.pop()
            cm.__exit__(_Abort, _Abort(), None)
        self.changed.emit()

    @contextlib.contextmanager
    def macro(self, text: str) -> Iterator["UndoStack"]:
        """``with stack.macro("Split and rename"): ...``; an exception inside aborts it."""
        self.begin_macro(text)
        depth = len(self._macros)
        try:
            yield self
        except BaseException:
            if self._macros:
                self.abort_macro()
            raise
        if len(self._macros) < depth:
            # A push inside failed and was caught by the body: the macro is
            # gone, and later pushes in the body were steps of their own.
            raise EditError(f"macro {text!r} was rolled back because a command in it failed")
        self.end_macro()

    def _push_in_macro(self, cmd: Command) -> None:
        macro = self._macros[-1][0]
        top = macro.children[-1] if macro.children else None
        merge = top is not None and cmd.merge_key is not None and cmd.merge_key == top.merge_key
        cmd.batch = macro.batch
        try:
            cmd.apply(self.inv)
        except BaseException:
            self.abort_macro()
            raise
        if merge and top.merge_with(cmd):
            macro._refresh()
        else:
            macro._add(cmd)

    # -- helpers
    def _no_macro(self, what: str) -> None:
        if self._macros:
            raise EditError(f"cannot {what} while a macro is open; end or abort it first")

    def _discard_redo(self) -> None:
        del self._commands[self._index:]
        if self._clean_index > self._index:
            self._clean_index = -1

    def _trim(self) -> None:
        while self._limit and len(self._commands) > self._limit:
            self._commands.pop(0)
            self._index -= 1
            if self._clean_index >= 0:
                self._clean_index -= 1

    @contextlib.contextmanager
    def _emitting(self, cmd: Command | None = None) -> Iterator[None]:
        index, clean = self._index, self.is_clean
        yield
        if cmd is not None:
            for layer, ids in cmd.changes().items():
                self.feature_changed.emit(layer, ids)
        if self._index != index:
            self.index_changed.emit(self._index)
        if self.is_clean != clean:
            self.clean_changed.emit(self.is_clean)
        self.changed.emit()


# --- a feature's history ----------------------------------------------------------

def _revert(state: FeatureState | None, entry: HistoryEntry) -> FeatureState | None:
    """The feature's state just before ``entry``, given its state just after it."""
    if entry.old is None:
        return None
    if entry.new is None:
        return FeatureState(dict(entry.old), _wkb(entry.old_geometry))
    if state is None:
        raise EditError(f"history of {entry.table} {entry.feature_id} is incomplete "
                        f"(entry #{entry.id} changes a feature that did not exist)")
    wkb = _wkb(entry.old_geometry) if entry.new_geometry is not None else state.wkb
    return FeatureState({**state.props, **entry.old}, wkb)


def feature_version(inv: Inventory, layer: str, fid: int, history_id: int) -> FeatureState:
    """The feature as it was right after history entry ``history_id``.

    Worked out backwards from the current row through the later entries,
    since an update entry holds only the fields it changed.  If that entry
    removed the feature, the version it removed.
    """
    _layer(layer)
    entries = inv.history(layer, fid)
    if not any(e.id == history_id for e in entries):
        raise EditError(f"history entry #{history_id} is not about {layer} {fid}")
    state = _read_state(inv, layer, fid)
    for e in reversed(entries):
        if e.id <= history_id:
            if e.id == history_id and state is None:
                state = _revert(None, e)
            break
        state = _revert(state, e)
    if state is None:
        raise EditError(f"{layer} {fid} did not exist after history entry #{history_id}")
    return state


@dataclass(frozen=True)
class AttributeChange:
    field: str
    old: Any
    new: Any

    def text(self, layer: str, lang: str = "en") -> str:
        f = schema.LAYERS[layer].field(self.field)
        show = ((lambda v: schema.label(f.codes, v, lang) if v is not None else "—") if f.codes
                else (lambda v: "—" if v is None else repr(v)))
        return f"{f.label(lang)}: {show(self.old)} → {show(self.new)}"


@dataclass(frozen=True)
class FeatureChange:
    """One history entry of a feature, readable: what changed, when, by whom, from what to what."""

    history_id: int
    layer: str
    feature_id: int
    time: str
    user: str
    action: str
    kind: str  # "created" | "changed" | "deleted"
    attributes: tuple[AttributeChange, ...]
    geometry_changed: bool
    area_before_ha: float | None
    area_after_ha: float | None
    batch: str | None

    @property
    def undo(self) -> bool:
        return self.action.startswith("undo-")

    @property
    def redo(self) -> bool:
        return self.action.startswith("redo-")

    def summary(self, lang: str = "en") -> str:
        parts = [a.text(self.layer, lang) for a in self.attributes]
        if self.geometry_changed and self.kind == "changed":
            if self.area_before_ha is not None and self.area_after_ha is not None:
                parts.append(f"geometry: {self.area_before_ha:.4f} ha → {self.area_after_ha:.4f} ha")
            else:
                parts.append("geometry moved")
        elif self.kind == "created" and self.area_after_ha is not None:
            parts.append(f"area {self.area_after_ha:.4f} ha")
        elif self.kind == "deleted" and self.area_before_ha is not None:
            parts.append(f"area was {self.area_before_ha:.4f} ha")
        how = f" ({self.action})" if self.action not in ("insert", "update", "delete") else ""
        return f"{self.time} {self.user} {self.kind}{how}" + (": " + "; ".join(parts) if parts else "")


def feature_history(inv: Inventory, layer: str, fid: int) -> list[FeatureChange]:
    """Every recorded change of one feature, oldest first."""
    _layer(layer)
    out = []
    for e in inv.history(layer, fid):
        old, new = e.old or {}, e.new or {}
        if e.old is None:
            kind = "created"
            attrs = [AttributeChange(k, None, v) for k, v in new.items()
                     if k != "area_ha" and v is not None]
            geom_changed = True
        elif e.new is None:
            kind = "deleted"
            attrs = [AttributeChange(k, v, None) for k, v in old.items()
                     if k != "area_ha" and v is not None]
            geom_changed = True
        else:
            kind = "changed"
            attrs = [AttributeChange(k, old.get(k), new.get(k)) for k in dict.fromkeys([*old, *new])
                     if k != "area_ha" and old.get(k) != new.get(k)]
            geom_changed = e.new_geometry is not None
        out.append(FeatureChange(
            e.id, layer, fid, e.time, e.user, e.action, kind, tuple(attrs), geom_changed,
            old.get("area_ha") if e.old is not None and (geom_changed or kind == "deleted") else None,
            new.get("area_ha") if e.new is not None and geom_changed else None,
            e.batch))
    return out
