"""The permission presets a provisioned org gets, and which keys each session mode accepts."""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequest

BUILDER_PRESET = {
    "publish": True,
    "saveDraft": True,
    "viewVersionHistory": True,
    "changePageSettings": True,
    "rollback": False,
    "delete": False,
    "rename": False,
    "createCustomVariables": False,
}
FILL_PRESET = {"submitForm": True, "saveFormDraft": True}
PRESETS = {"builder": BUILDER_PRESET, "fill": FILL_PRESET}

# view sessions take the builder set, as the reference BFF sends it for every non-fill mode.
PRESET_FOR_MODE = {"create": "builder", "edit": "builder", "view": "builder", "fill": "fill"}


def check_permissions(mode: str, permissions: Any) -> dict[str, bool]:
    """Return the mode's full permission map (absent keys false), or 422 on a bad key/value."""
    if not isinstance(permissions, dict):
        raise InvalidRequest("permissions must be an object.")
    preset_name = PRESET_FOR_MODE[mode]
    allowed = PRESETS[preset_name]
    for key, value in permissions.items():
        if key not in allowed:
            raise InvalidRequest(
                f"permissions.{key} is not a {preset_name} permission "
                f"(allowed in {mode} mode: {', '.join(allowed)})."
            )
        if not isinstance(value, bool):
            raise InvalidRequest(f"permissions.{key} must be true or false.")
    return {key: bool(permissions.get(key, False)) for key in allowed}
