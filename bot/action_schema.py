"""Rasa's check of every action-server reply, with the validator built once.

`RemoteAction._validate_action_result` calls `jsonschema.validate`, which re-checks the draft
2020-12 metaschema and builds a new validator on each call: about 14 ms, twice per turn, half of
the Rasa process's busy CPU (issue 14; bench/action_schema.py measures it). The same schema, the
same validator class and the same best-match error, built once per process: `install()` (called by
bot/rasa_extensions.py) puts this method in Rasa's place.
"""
from __future__ import annotations

import functools
from typing import Any, Dict


@functools.lru_cache(maxsize=1)
def reply_validator() -> Any:
    """The validator for Rasa's action-server reply schema, checked against its metaschema once."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)  # what jsonschema.validate picks: the latest draft
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(result: Dict[str, Any]) -> bool:
    """As Rasa's: True, or the best-matching ValidationError with Rasa's hint appended."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(reply_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = lambda self, result: validate_action_result(result)  # type: ignore[method-assign]
