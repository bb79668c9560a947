"""The power balance of one step: who supplies the load (sun, batteries, grid, generator) and what is curtailed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .battery import share
from .config import phase_weights
from .readings import Flows

if TYPE_CHECKING:
    from .battery import BatteryBank
    from .config import Controls, HouseConfig


@dataclass(frozen=True, slots=True)
class Demand:
    """What the sun offers and the house asks for over one step (W, in total and per phase)."""

    pv: float
    pv_ph: tuple[float, float, float]
    load: float
    load_ph: tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Balance:
    flows: Flows
    curtail: float  # fraction of the available PV actually produced (off grid with nowhere to put it)
    generator_running: bool


def _generator_running(config: HouseConfig, ctl: Controls, soc: float, running: bool) -> bool:
    """Off grid: whether the generator runs this step (auto starts and stops on the batteries' charge)."""
    if config.generator_w <= 0:
        return running
    if ctl.generator_cmd == "on":
        return True
    if ctl.generator_cmd == "auto":
        if soc < ctl.generator_start_soc:
            return True
        if soc >= ctl.generator_stop_soc:
            return False
        return running
    return False


def dispatch(
    config: HouseConfig,
    ctl: Controls,
    bank: BatteryBank,
    *,
    hour: float,
    generator_was_running: bool,
    demand: Demand,
) -> Balance:
    """How the step's power flows, given the local hour and whether the generator ran the step before."""
    pv_avail, pv_ph_avail, load_w, load_ph = demand.pv, demand.pv_ph, demand.load, demand.load_ph
    max_ch, max_dis = bank.limits(config.batteries, ctl, hour)
    surplus = pv_avail - load_w
    charge = 0.0
    discharge = 0.0
    generator = 0.0
    curtail = 1.0
    served = load_w
    running = generator_was_running
    if ctl.grid_connected:
        running = False
        if surplus > 0:
            charge = min(surplus, sum(max_ch))
        elif ctl.mode != "backup":
            discharge = min(-surplus, sum(max_dis))
        if ctl.charge_from_grid and (ctl.mode == "backup" or (ctl.mode == "economy" and hour < 6.0)):
            charge = sum(max_ch)
    else:
        running = _generator_running(config, ctl, bank.aggregate_soc(config.batteries), running)
        if running:
            generator = min(config.generator_w, max(load_w - pv_avail, 0.0) + sum(max_ch))
        supply = pv_avail + generator
        if supply >= load_w:
            charge = min(supply - load_w, sum(max_ch))
            if supply - load_w > charge:
                spare = supply - load_w - charge
                if generator > 0:
                    cut = min(generator, spare)
                    generator -= cut
                    spare -= cut
                if pv_avail > 0 and spare > 0:
                    curtail = max(pv_avail - spare, 0.0) / pv_avail
        else:
            discharge = min(load_w - supply, sum(max_dis))
            served = supply + discharge
    if ctl.production_forced_off:
        curtail = 0.0
    elif ctl.grid_connected and ctl.export_limit_w is not None and pv_avail > 0:
        export = pv_avail - load_w - charge + discharge
        if export > ctl.export_limit_w:
            curtail = max(pv_avail - (export - ctl.export_limit_w), 0.0) / pv_avail
    ch_each = share(charge, max_ch)
    dis_each = share(discharge, max_dis)
    bat_each = tuple(d - c for c, d in zip(ch_each, dis_each, strict=True))
    pv = pv_avail * curtail
    pv_ph = (pv_ph_avail[0] * curtail, pv_ph_avail[1] * curtail, pv_ph_avail[2] * curtail)
    scale = served / load_w if load_w > 0 else 0.0
    load_ph_served: tuple[float, float, float] = (load_ph[0] * scale, load_ph[1] * scale, load_ph[2] * scale)
    w = phase_weights(config.phases)
    bat_ph = [0.0, 0.0, 0.0]
    for bat, p in zip(config.batteries, bat_each, strict=True):
        if bat.phase < 0:
            for ph in range(3):
                bat_ph[ph] += p * w[ph]
        else:
            bat_ph[bat.phase] += p
    battery = sum(bat_each)
    if ctl.grid_connected:
        grid = served - pv - battery
        grid_ph = (
            load_ph_served[0] - pv_ph[0] - bat_ph[0],
            load_ph_served[1] - pv_ph[1] - bat_ph[1],
            load_ph_served[2] - pv_ph[2] - bat_ph[2],
        )
    else:
        grid = 0.0
        grid_ph = (0.0, 0.0, 0.0)
        # off grid the load is whatever the sources supply (generator spread like the load)
        served = pv + battery + generator
        load_ph_served = (
            pv_ph[0] + bat_ph[0] + generator * w[0],
            pv_ph[1] + bat_ph[1] + generator * w[1],
            pv_ph[2] + bat_ph[2] + generator * w[2],
        )
    flows = Flows(
        pv,
        served,
        grid,
        battery,
        generator,
        pv_ph,
        load_ph_served,
        grid_ph,
        (bat_ph[0], bat_ph[1], bat_ph[2]),
        bat_each,
    )
    return Balance(flows, curtail, running)
