"""`/ivp/livedata/status`: the live meters (milliwatts) the web UI polls once a second."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Scene


def _meter(total_w: float, phases: tuple[float, float, float], pf: float) -> dict[str, int]:
    def mva(w: float) -> int:
        return round(w / pf * 1000) if pf else 0

    return {
        "agg_p_mw": round(total_w * 1000),
        "agg_s_mva": mva(total_w),
        "agg_p_ph_a_mw": round(phases[0] * 1000),
        "agg_p_ph_b_mw": round(phases[1] * 1000),
        "agg_p_ph_c_mw": round(phases[2] * 1000),
        "agg_s_ph_a_mva": mva(phases[0]),
        "agg_s_ph_b_mva": mva(phases[1]),
        "agg_s_ph_c_mva": mva(phases[2]),
    }


def meters(scene: Scene) -> dict[str, Any]:
    hw = scene.hw
    flows = scene.flows()
    ctl = scene.house.controls
    pairs = list(zip(scene.batteries(), scene.house.config.batteries, strict=True))

    def agg(kind: str) -> tuple[int, int]:
        energy = sum(b.energy_wh for b, spec in pairs if spec.kind == kind)
        cap = sum(spec.capacity_wh for _, spec in pairs if spec.kind == kind)
        return (round(100 * energy / cap) if cap else 0, round(energy))

    enc_soc, enc_energy = agg("encharge")
    acb_soc, acb_energy = agg("acb")
    total_soc = scene.house.aggregate_soc()
    gen = flows.generator
    gen_ph = (gen, 0.0, 0.0) if hw.phases == 1 else (gen / 2, gen / 2, 0.0) if hw.phases == 2 else (gen / 3,) * 3
    load_ph = flows.load_ph
    return {
        "last_update": scene.ts,
        "soc": round(total_soc),
        "main_relay_state": 1 if ctl.grid_connected else 0,
        "gen_relay_state": 1 if scene.house.generator_running else 5,
        "backup_bat_mode": 1,
        "backup_soc": round(ctl.reserve_soc),
        "is_split_phase": 1 if hw.phases == 2 else 0,
        "phase_count": hw.phases,
        "enc_agg_soc": enc_soc,
        "enc_agg_energy": enc_energy,
        "acb_agg_soc": acb_soc,
        "acb_agg_energy": acb_energy,
        "pv": _meter(flows.pv, flows.pv_ph, 0.99),
        "storage": _meter(flows.battery, flows.battery_ph, 0.95),
        "grid": _meter(flows.grid, flows.grid_ph, 0.9),
        "load": _meter(flows.load, load_ph, 0.88),
        "generator": _meter(gen, (gen_ph[0], gen_ph[1], gen_ph[2]), 0.9),
    }


def status(scene: Scene, meters_doc: dict[str, Any], *, enabled: bool, polls: int) -> dict[str, Any]:
    return {
        "connection": {
            "mqtt_state": "connected",
            "prov_state": "configured",
            "auth_state": "ok",
            "sc_stream": "enabled" if enabled else "disabled",
            "sc_debug": "disabled",
        },
        "meters": meters_doc,
        "tasks": {"task_id": 1234567, "timestamp": scene.ts - scene.ts % 3600},
        "counters": {
            "main_CfgLoad": 1,
            "main_CfgChanged": 1,
            "main_taskUpdate": 12,
            "MqttClient_publish": polls,
            "sc_hdlDataPub": polls,
            "sc_SendStreamCtrl": 1,
            "rest_Status": polls,
        },
    }
