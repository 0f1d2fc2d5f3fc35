"""Config that fails one value at a time.

traitlets loads a configurable's whole section in one go: one bad value (a timeout of 0, a
number given as "abc", a flag given twice) raises, and jupyter_server then drops the whole
extension's config, so an admin's timeout of 15 silently becomes 60 and a locked-down
override switch opens. `TolerantConfig` loads each value on its own instead: a bad one is
refused alone, logged at error level, remembered for `GET status` (`config_errors`), and the
trait keeps its safe value (its default, or the value an earlier, valid source gave it).
"""

from __future__ import annotations

from typing import Any

from traitlets import TraitType
from traitlets.config import Config, Configurable

from .config_errors import ConfigError, describe_value, log_refused


class TolerantConfig(Configurable):
    """A configurable whose config values are loaded, and refused, one at a time."""

    #: What applies for a refused value when the default would be the less safe choice.
    safe_on_refusal: dict[str, Any] = {}

    @property
    def config_errors(self) -> list[ConfigError]:
        return self.__dict__.setdefault("_smcost_config_errors", [])

    @property
    def configured(self) -> set[str]:
        """The traits that a config source set (and that were accepted)."""
        return self.__dict__.setdefault("_smcost_configured", set())

    def _load_config(
        self,
        cfg: Config,
        section_names: list[str] | None = None,
        traits: dict[str, TraitType[Any, Any]] | None = None,
    ) -> None:
        if traits is None:
            traits = self.traits(config=True)
        section = type(self).__name__
        for name, value in self._find_my_config(cfg).items():
            single = Config({section: {name: value}})
            try:
                super()._load_config(single, section_names=[section], traits=traits)
            except Exception as err:  # noqa: BLE001 - any failure refuses this one value
                if name in self.safe_on_refusal:
                    setattr(self, name, self.safe_on_refusal[name])
                self._refuse(f"c.{section}.{name}", value, err, getattr(self, name, None))
            else:
                if name in traits:
                    self.configured.add(name)

    def _refuse(self, setting: str, value: Any, err: Exception, applies: Any) -> None:
        error = ConfigError(setting, describe_value(value), str(err) or type(err).__name__, applies)
        errors = self.config_errors
        if error in errors:  # the same config loaded again (jupyter_server links, then loads)
            return
        errors[:] = [e for e in errors if e.setting != setting]
        errors.append(error)
        log = getattr(self, "log", None)
        if log is not None:
            log_refused(log, error, "config")
