"""Drives a running Letopis server through a client generated from its /openapi.json (issue #18).

Uses only the generated package `letopis_client`: it appends a command, reads the event back by
id, reads figures at (D, K) and a figure's evidence with proofs (the bundle `letopis evidence
verify` checks), and parses two refusals (401 and 422) into the documented ErrorBody.
Usage: python openapi_client_test.py BASE_URL OPERATOR_TOKEN
"""

import datetime
import sys
import uuid

from letopis_client import AuthenticatedClient, Client
from letopis_client.api.commands import post_commands
from letopis_client.api.ledger import event_by_id, head
from letopis_client.api.projections import figure_evidence, figures
from letopis_client.models import (
    AppendResponse,
    EvidenceBundle,
    CommandMunicipalityRegistered,
    CommandMunicipalityRegisteredKind,
    CommandOrganisationRegistered,
    CommandOrganisationRegisteredKind,
    ErrorBody,
    MunicipalityRegistered,
    OrganisationKind,
    OrganisationRegistered,
)


def check(condition, message):
    if not condition:
        raise SystemExit(f"openapi client: {message}")


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    passed = 0

    # A command: a new municipality, under an id of our own (the idempotency key).
    event_id = uuid.uuid4()
    command = CommandMunicipalityRegistered(
        kind=CommandMunicipalityRegisteredKind.MUNICIPALITY_REGISTERED,
        payload=MunicipalityRegistered(municipality="38-99", name="Клиентский район"),
        effective="2024-01-01",
        id=event_id,
    )
    answer = post_commands.sync_detailed(client=client, body=command)
    check(answer.status_code == 201, f"append answered {answer.status_code}: {answer.content!r}")
    check(isinstance(answer.parsed, AppendResponse), f"append parsed as {answer.parsed!r}")
    seq = answer.parsed.seqs[0]
    check(answer.parsed.ids == [str(event_id)], f"ids {answer.parsed.ids}")
    passed += 1

    # The same command again is an idempotent retry: 200 with the same seq.
    again = post_commands.sync_detailed(client=client, body=command)
    check(again.status_code == 200 and again.parsed.seqs == [seq], f"retry {again.status_code}")
    passed += 1

    # The event read back by id.
    event = event_by_id.sync_detailed(str(event_id), client=client)
    check(event.status_code == 200, f"event read answered {event.status_code}")
    read = event.parsed.to_dict()
    check(read["seq"] == seq and read["kind"] == "municipality_registered", f"event {read}")
    check(read["payload"]["municipality"] == "38-99", f"payload {read['payload']}")
    passed += 1

    # Figures at (D, K): a valid date and the knowledge point just before our event.
    at_head = head.sync(client=client)
    check(at_head.seq >= seq, f"head {at_head.seq} before {seq}")
    catalogue = figures.sync_detailed(
        client=client, date=datetime.date(2024, 12, 31), known_at=str(seq - 1)
    )
    check(catalogue.status_code == 200, f"figures answered {catalogue.status_code}")
    check(len(catalogue.parsed) > 0, "no figures")
    codes = {figure.to_dict().get("indicator") or figure.to_dict().get("code") for figure in catalogue.parsed}
    check(len(codes) == len(catalogue.parsed), f"figures not one per indicator: {codes}")
    passed += 1

    # A figure's evidence with proofs against the latest signed checkpoint: the documented bundle.
    bundle = figure_evidence.sync_detailed(
        "diagnosed", client=client, date=datetime.date(2024, 12, 31), proofs=True
    )
    check(bundle.status_code == 200, f"evidence with proofs answered {bundle.status_code}")
    check(isinstance(bundle.parsed, EvidenceBundle), f"evidence parsed as {bundle.parsed!r}")
    check(bundle.parsed.checkpoint.startswith("ci.example/letopis\n"), "no signed checkpoint")
    check(len(bundle.parsed.evidence) > 0, "no evidence")
    proved = bundle.parsed.evidence[0]
    check(proved.record and proved.inclusion.tree_size >= proved.seq, f"evidence {proved!r}")
    passed += 1

    # 401 without a token, parsed into the documented error.
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    refused = head.sync_detailed(client=anonymous)
    check(refused.status_code == 401, f"without a token: {refused.status_code}")
    check(isinstance(refused.parsed, ErrorBody), f"401 parsed as {refused.parsed!r}")
    check(refused.parsed.code == "unauthorized", f"401 code {refused.parsed.code}")
    passed += 1

    # 422: an organisation of a municipality that is not registered.
    orphan = CommandOrganisationRegistered(
        kind=CommandOrganisationRegisteredKind.ORGANISATION_REGISTERED,
        payload=OrganisationRegistered(
            organisation="org-client-1",
            name="Школа без района",
            kind=OrganisationKind.GENERAL,
            municipality="no-such-municipality",
        ),
        effective="2024-01-01",
    )
    unknown = post_commands.sync_detailed(client=client, body=orphan)
    check(unknown.status_code == 422, f"unknown reference: {unknown.status_code} {unknown.content!r}")
    check(isinstance(unknown.parsed, ErrorBody), f"422 parsed as {unknown.parsed!r}")
    check(unknown.parsed.code == "unknown_reference", f"422 code {unknown.parsed.code}")
    check(unknown.parsed.field == "commands[0].payload.municipality", f"field {unknown.parsed.field}")
    passed += 1

    print(f"openapi client: {passed} passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
