"""A town in a box: senders, couriers and parcels driven through the real HTTP API.

The simulator plays every outside party with the client SDK, exactly as real phones and terminals
would: an express company gets an OAuth2 token and registers a courier terminal; senders enroll
(typed fields) and show their rotating identity QR; the courier identifies them, inspects the
item, registers it (a prohibited item now and then is stopped and counted), and receives signed
receipts that the SDK verifies. Walk-ins show their ID card instead of a QR.

It runs against any ``httpx.Client``: a live server (``sealpost dev simulate --url …``) or the app
in process (``make run``'s demo data, tests). All people are invented (Faker ``zh_CN``) but their
ID numbers and phones are valid.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx
from faker import Faker

from sealpost.adapters.crypto import get_suite
from sealpost.client.identity_qr import SenderDevice
from sealpost.client.terminal import Pickup, PlatformError, TerminalClient
from sealpost.dev.idcards import current_county_codes
from sealpost.domain.identity import check_character
from sealpost.domain.identity.regions import divisions
from sealpost.domain.records import Party
from sealpost.domain.waybill_numbers import s10_number

#: Everyday goods, with the category a courier would pick.
EVERYDAY_ITEMS: tuple[tuple[str, str], ...] = (
    ("羊毛衫", "服装鞋帽"),
    ("运动鞋", "服装鞋帽"),
    ("书籍", "图书音像"),
    ("手机壳", "数码电子"),
    ("火锅底料", "食品"),
    ("茶叶", "食品"),
    ("手枪钻", "五金工具"),
    ("水枪玩具", "玩具"),
    ("烟灰缸", "日用品"),
    ("保温杯", "日用品"),
    ("合同文件", "文件资料"),
    ("床上四件套", "家居用品"),
)
#: What a sender now and then tries to post: stopped at pickup and counted as an interception.
PROHIBITED_ITEMS: tuple[str, ...] = ("仿真枪", "烟花爆竹", "管制刀具")
MOBILE_PREFIXES = ("138", "139", "150", "186", "189", "177", "135", "158")


@dataclass
class SimulationReport:
    """What happened (counts only: the receipts hold masked views, nothing more)."""

    senders: int = 0
    parcels: int = 0
    walk_ins: int = 0
    interceptions: int = 0
    receipts: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "senders": self.senders,
            "parcels": self.parcels,
            "walk_ins": self.walk_ins,
            "interceptions": self.interceptions,
            "receipts": len(self.receipts),
        }


class TownSimulator:
    """Plays senders, one courier terminal and its express company against a sealpost API."""

    def __init__(self, http: httpx.Client, *, seed: int = 2026, today: date | None = None) -> None:
        self._http = http
        self._rng = random.Random(seed)
        self._fake = Faker("zh_CN")
        self._fake.seed_instance(seed)
        self._today = today or datetime.now(UTC).date()
        self._counties = current_county_codes()
        self._regions = divisions()

    # ------------------------------------------------------------------ invented people
    def _id_number(self) -> str:
        county = self._rng.choice(self._counties)
        birth = date(self._rng.randint(1950, 2004), self._rng.randint(1, 12), self._rng.randint(1, 28))
        body = f"{county}{birth:%Y%m%d}{self._rng.randint(1, 999):03d}"
        return body + check_character(body)

    def _mobile(self) -> str:
        return self._rng.choice(MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"

    def _party(self, county: str, *, with_name: bool) -> Party:
        """Someone living in ``county``: the real region names of the code, an invented street."""
        region = self._regions.region(county)
        place = region.full_name if region is not None else self._fake.city()
        street = f"{self._fake.street_name()}{self._rng.randint(1, 300)}号"
        unit = f"{self._rng.randint(1, 20)}号楼{self._rng.randint(1, 6)}单元{self._rng.randint(101, 2802)}室"
        return Party(self._fake.name() if with_name else "", self._mobile(), place + street + unit)

    # ------------------------------------------------------------------ actors
    def _enterprise_token(self, client_id: str, secret: str) -> str:
        r = self._http.post(
            "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def register_terminal(
        self, client_id: str, secret: str, *, outlet: str = "110105-001", courier_id: str = "demo-courier-1"
    ) -> TerminalClient:
        """The company registers a terminal; the terminal's signing key never leaves this process."""
        keys = self._http.get("/v1/keys/platform").json()
        suite = get_suite(str(keys["suite"]))
        pair = suite.new_signing_key()
        token = self._enterprise_token(client_id, secret)
        r = self._http.post(
            "/v1/terminals",
            json={
                "outlet": outlet,
                "courier_id": courier_id,
                "public_key": base64.b64encode(pair.public).decode(),
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        r.raise_for_status()
        t = r.json()
        return TerminalClient(
            self._http,
            terminal_id=t["terminal_id"],
            token=t["token"],
            signing_private=pair.private,
            company=t["company"],
            outlet=t["outlet"],
            courier_id=t["courier_id"],
        )

    def enroll_sender(self) -> SenderDevice:
        """A sender verifies once with typed fields; the phone keeps only its device key."""
        keys = self._http.get("/v1/keys/platform").json()
        device = SenderDevice.generate(platform_sealing_key=base64.b64decode(keys["sealing_key"]["public"]))
        r = self._http.post(
            "/v1/senders/enroll",
            data={
                "device_public_key": base64.b64encode(device.public_key()).decode(),
                "number": self._id_number(),
                "name": self._fake.name(),
                "phone": self._mobile(),
            },
        )
        r.raise_for_status()
        device.sender_id = UUID(r.json()["sender_id"])
        return device

    # ------------------------------------------------------------------ a day at the outlet
    def run(
        self,
        terminal: TerminalClient,
        *,
        parcels: int,
        senders: int = 5,
        walk_in_share: float = 0.2,
        prohibited_share: float = 0.05,
        progress: Callable[[int], None] | None = None,
    ) -> SimulationReport:
        report = SimulationReport()
        devices = [self.enroll_sender() for _ in range(senders)]
        report.senders = len(devices)
        for n in range(parcels):
            if self._rng.random() < walk_in_share:
                identified = terminal.walk_in(document_number=self._id_number(), name=self._fake.name())
                kind = "walk_in"
                report.walk_ins += 1
            else:
                device = self._rng.choice(devices)
                identified = terminal.identify(device.identity_qr(datetime.now(UTC)))
                kind = "qr"
            prohibited = self._rng.random() < prohibited_share
            item, category = (
                (self._rng.choice(PROHIBITED_ITEMS), "其他")
                if prohibited
                else self._rng.choice(EVERYDAY_ITEMS)
            )
            origin = terminal.outlet[:6] if terminal.outlet[:6].isdigit() else "110105"
            destination = self._rng.choice(self._counties)
            pickup = Pickup(
                waybill_no=s10_number("EA", self._rng.randrange(10**8), "CN"),
                sender=self._party(origin, with_name=False),
                recipient=self._party(destination, with_name=True),
                origin_county=origin,
                destination_county=destination,
                item_name=item,
                item_category=category,
                quantity=self._rng.randint(1, 3),
                weight_g=self._rng.randint(100, 20_000),
                declared_value_fen=self._rng.randint(1, 500) * 100,
                inspected=True,
                identity_ref=identified["identity_ref"],
                sender_kind=kind,
            )
            try:
                report.receipts.append(terminal.pickup(pickup))
                report.parcels += 1
            except PlatformError as refused:
                if refused.code != "item_prohibited":
                    raise
                report.interceptions += 1
            if progress is not None:
                progress(n + 1)
        return report


def simulate_in_process(
    container: Any, *, parcels: int, senders: int = 5, seed: int = 2026
) -> SimulationReport:
    """Run the town against the app built on ``container`` (no server, no network)."""
    import warnings

    with warnings.catch_warnings():  # Starlette nags about its httpx-based client; it is the one we want
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from sealpost.api.app import create_app

    client, secret = container.enterprise_clients.create(
        company="EMS", name="中国邮政速递物流（演示）", now=container.clock.now()
    )
    with TestClient(create_app(container=container)) as http:
        sim = TownSimulator(http, seed=seed)
        terminal = sim.register_terminal(client.client_id, secret)
        try:
            return sim.run(terminal, parcels=parcels, senders=senders)
        finally:
            terminal.close()
