"""What every switch of the integration does alike: its state from the description, turning through `_turn`."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity


class SwitchShell(SwitchEntity):
    """`is_on` is the description's `value_fn` of the entity's item; subclasses say how to turn."""

    entity_description: Any  # a switch description with `value_fn(item) -> bool | None`

    @property
    def is_on(self) -> bool | None:
        item = self._switch_item()
        return self.entity_description.value_fn(item) if item is not None else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._turn(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._turn(on=False)

    def _switch_item(self) -> Any:
        raise NotImplementedError

    async def _turn(self, *, on: bool) -> None:
        raise NotImplementedError
