"""The implementation ledger (台账): who reported what on each of the policy's actions, and its status.

No Streamlit here: pages call these functions. `measures.csv` stays the read-only source of the
policy; reports join it by `measure_id`. Pass the actions in, never load them here:

    from panprd.tracking import units, store, accounts, ledger, status, transfer
    actions = units.actions_from_measures(ds.measures)    # measure_id → Action (today's unit names)
    engine = store.open_store()                           # PANPRD_DB_URL or var/tracking.db, created on first use

Reading (cache on `store.last_change(engine)`; nothing private in these):
    status.action_states(engine, actions, now=None) -> dict[measure_id, ActionState]
        .status (code or None), .light (green/yellow/red/grey), .as_of, .due, .lead (today's unit),
        .plan_version (pass back to set_due/set_lead), .pending_completion, .days_overdue
    status.status_frame(states, details=None) -> DataFrame   columns to join onto measures for tables/CSV/Excel;
        details=status.current_details(engine, states) adds note and evidence: signed-in users only
    status.ledger_frame(states, titles) -> DataFrame        the Excel 台账 sheet, grouped by lead unit
    status.place_lights(states, ds.measures["fujian_units"]) -> {code: PlaceLight(light, counts)}   map colours
    status.unit_progress(states) -> {unit: UnitProgress(led, completed, red)}                        units matrix
    status.completed_count(states) -> int                                                            overview
    status.STATUSES / status.LIGHTS: code → Term(zh, en); status.matching_actions(states, statuses, lights)
        -> set of measure_ids for the `status` and `light` URL filters (status.NO_STATUS = no report)
    units.read_unit_map() -> {name_2016: Mapping2016(units_today, source, confidence)}; units.today_units()
Signed-in views:
    status.history(engine, actions, measure_id, include_private=bool) -> [ReportView] (oldest first, with review)
    status.my_actions(actions, states, account) -> [(measure_id, "lead"|"support"|"office")]
    status.review_queue(engine, actions) / status.overdue(states) / status.late_units(engine, actions)
    status.orphan_reports(engine, actions) / status.supervision_sheet(engine, actions, unit) + render_sheet
    status.full_history(engine, actions) + status.history_frame(reports); transfer.export_bytes(engine)   office
Writing (each raises a TrackingError subclass whose message is shown as is, Chinese / English):
    ledger.submit_report(engine, actions, login, measure_id, status, as_of, note, evidence,
                         unit=None, on_behalf_of=None) -> report id          ReportRefused(.problems by field)
    ledger.review_report(engine, login, report_id, "confirmed"|"returned", reason) -> review id   ReviewRefused
    ledger.set_due / ledger.set_lead(engine, actions, login, measure_id, value, expected_version) -> Plan
        PlanConflict when expected_version is stale
    ledger.SECRECY_REMINDER: the form's 不得填报涉密信息 line; ledger.STATUSES, NOTE_MAX, EVIDENCE_MAX for the form
    transfer.import_ledger(engine, actions, login, xlsx_bytes, file_name) -> ImportResult     TransferError(.errors)
Accounts and sessions (the UI keeps the token in a signed HttpOnly cookie, never in a URL):
    accounts.authenticate(engine, login, password) -> Account        SignInRefused (rate-limited per login)
    accounts.create_session(engine, account) -> token; accounts.session_account(engine, token) -> Account | None;
    accounts.revoke_session(engine, token); accounts.add_account / deactivate / set_password / list_accounts
Sign-in through the province's identity platform (OIDC claims → today's units, oidc_units.csv):
    oidc.read_claim_map(path=None) -> [ClaimRule]   ClaimMapError naming file, row and column
    oidc.account_for(engine, claims, rules, now=None) -> Account   the passwordless `oidc:<sub>` reporter,
        made on first sign-in; PlatformRefused when the claims map to no unit or the account is deactivated
Failures of the database itself raise store.StoreUnavailable with a message for a banner; the rest
of the dashboard should keep working without statuses.
"""
