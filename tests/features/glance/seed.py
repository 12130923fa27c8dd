"""A known data set for staff at a glance: two grids of Yangguang, figures that differ between them, and a day
before today that must not count as today."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from models import (
    Building,
    Case,
    CaseEvent,
    CaseFollower,
    Grid,
    HealthReport,
    Household,
    Notice,
    NoticeDelivery,
    NoticeSend,
    Person,
    RoleGrant,
    SupplyRequest,
    SupportRequest,
    Task,
    VolunteerProfile,
)


async def seed(session, now: datetime) -> dict:
    b = {x.code: x for x in (await session.exec(select(Building))).all()}
    g = {x.code: x for x in (await session.exec(select(Grid))).all()}
    c = b["YG-01"].community_id

    def hh(code: str, unit: str, *, ledger: bool = True, care: list | None = None) -> Household:
        h = Household(building_id=b[code].id, unit=unit, size=2, in_ledger=ledger, care_needs=care or [])
        session.add(h)
        return h

    h1, h2, h3 = hh("YG-01", "1-101", care=["elderly_alone"]), hh("YG-01", "1-102"), hh("YG-02", "1-201", ledger=False)
    h4, _h5 = hh("YG-05", "1-501", care=["disability"]), hh("YG-05", "1-502")
    await session.flush()

    def person(name: str, h: Household, tg: int | None) -> Person:
        p = Person(full_name=name, household_id=h.id, tg_user_id=tg, locale="en", registered_at=now, phone="+86138")
        session.add(p)
        return p

    ann, _bob, cai, dan = person("Ann", h1, 9001), person("Bob", h2, None), person("Cai", h3, 9002), \
        person("Dan", h4, 9003)
    vic, wen = person("Vic", h3, 9004), person("Wen", h4, 9005)
    await session.flush()
    today = now - timedelta(hours=1)

    def report(p: Person, h: Household, grid: str, *, abnormal=False, red=False, at=today, temp=36.6) -> None:
        session.add(HealthReport(person_id=p.id, household_id=h.id, community_id=c, grid_id=g[grid].id,
                                 temperature_c=temp, symptoms=["breath"] if red else (["fever"] if abnormal else []),
                                 abnormal=abnormal or red, red_flag=red, created_at=at))

    report(ann, h1, "G1")
    report(cai, h3, "G1", abnormal=True, temp=38.5)
    report(ann, h1, "G1", red=True)
    report(dan, h4, "G2", abnormal=True, temp=38.1)
    report(ann, h1, "G1", abnormal=True, at=now - timedelta(days=1, hours=2))  # yesterday

    def supply(p: Person, h: Household, grid: str, code: str, status: str, created: datetime, **kw) -> Task:
        t = Task(kind="supply", community_id=c, grid_id=g[grid].id, household_id=h.id, skill="delivery",
                 status=status, created_at=created, **kw)
        session.add(t)
        return t

    t1 = supply(ann, h1, "G1", "YG-01", "open", now - timedelta(hours=5))
    t2 = supply(cai, h3, "G1", "YG-02", "claimed", now - timedelta(hours=3), claimed_by_id=vic.id, claimed_at=now)
    t3 = supply(ann, h1, "G1", "YG-01", "delivered", now - timedelta(hours=4), claimed_by_id=vic.id,
                claimed_at=now - timedelta(hours=3), delivered_at=now - timedelta(hours=2))
    t4 = supply(dan, h4, "G2", "YG-05", "open", now - timedelta(hours=1))
    await session.flush()
    for t, p, h, code in ((t1, ann, h1, "YG-01"), (t2, cai, h3, "YG-02"), (t3, ann, h1, "YG-01"),
                          (t4, dan, h4, "YG-05")):
        session.add(SupplyRequest(task_id=t.id, person_id=p.id, household_id=h.id, category="groceries",
                                  items=[{"name": "rice", "qty": 2}], deliver_building_id=b[code].id,
                                  deliver_unit=h.unit, created_at=t.created_at))

    def case(grid: str, code: str, category: str, status: str = "new") -> Case:
        x = Case(kind="hazard", category=category, community_id=c, grid_id=g[grid].id, building_id=b[code].id,
                 status=status, created_at=now - timedelta(hours=6))
        session.add(x)
        return x

    k1, k2, _k3 = case("G1", "YG-01", "passage"), case("G1", "YG-02", "passage"), case("G1", "YG-01", "lift")
    case("G2", "YG-05", "garbage")
    closed = [case("G1", "YG-01", "lights", "closed") for _ in range(3)]
    await session.flush()
    session.add(CaseFollower(case_id=k1.id, person_id=ann.id, first=True, anonymous=True))
    session.add(CaseFollower(case_id=k2.id, person_id=cai.id, first=True, anonymous=False))
    for x in closed:
        session.add(CaseEvent(case_id=x.id, action="closed", at=now - timedelta(days=2)))
    session.add(CaseEvent(case_id=closed[0].id, action="not_fixed", at=now - timedelta(days=3)))
    session.add(CaseEvent(case_id=closed[1].id, action="closed", at=now - timedelta(days=9)))  # too long ago

    session.add(SupportRequest(person_id=ann.id, community_id=c, phq2=4, gad2=3, created_at=now - timedelta(hours=2)))
    session.add(SupportRequest(person_id=dan.id, community_id=c, phq2=3, gad2=3, status="claimed",
                               created_at=now - timedelta(days=2)))

    notice = Notice(community_id=c, text="Stay home", level="orange", ack_required=True, first_at=now,
                    timezone="Asia/Shanghai", status="done")
    session.add(notice)
    await session.flush()
    send = NoticeSend(notice_id=notice.id, due_at=now - timedelta(hours=2), sent_at=now - timedelta(hours=2))
    session.add(send)
    await session.flush()
    for p, h, code, acked in ((ann, h1, "YG-01", True), (cai, h3, "YG-02", False), (dan, h4, "YG-05", True)):
        session.add(NoticeDelivery(send_id=send.id, person_id=p.id, household_id=h.id, building_id=b[code].id,
                                   acked_at=now - timedelta(hours=1) if acked else None))

    session.add(RoleGrant(person_id=vic.id, role="volunteer", community_id=c, grid_id=g["G1"].id))
    session.add(RoleGrant(person_id=wen.id, role="volunteer", community_id=c, grid_id=g["G2"].id))
    session.add(VolunteerProfile(person_id=vic.id, on_duty=True))
    session.add(VolunteerProfile(person_id=wen.id, on_duty=False))
    await session.commit()
    return {"community": c, "G1": g["G1"].id, "G2": g["G2"].id, "YG-01": b["YG-01"].id, "ann": ann.id,
            "cai": cai.id, "dan": dan.id}
