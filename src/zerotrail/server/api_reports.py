"""Reports over REST: publish the year's report, list the reports kept, download their files.

    POST /api/reports {"year": Y}        `zerotrail report --year Y --key ...`      admin, analyst
    GET  /api/reports                    the reports this server keeps, by year     readers
    GET  /api/reports/{year}/{file}      report.html, report.pdf, report.json or
                                         disclosures.xlsx, as an attachment         readers

Where the reports live and the key they are signed with: report_folder.py. Publishing is the
publish stage's (pipeline/publish.py: recorded, committed and written whole or not at all); it
takes seconds (the charts and the PDF are drawn), and on a DuckDB file other requests wait for
it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import FileResponse

from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.server import models_roadmap as m
from zerotrail.server.api_roadmap import workspace
from zerotrail.server.auth import Token, authenticate
from zerotrail.server.report_folder import MEDIA, kept_file, kept_reports, publish_here
from zerotrail.server.roadmap_rules import PUBLISH, READ_CREDITS

router = APIRouter(prefix="/api", responses=m.ERRORS, tags=["reports"])

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="Reporting year.")]


def published(done: Any) -> m.Published:
    return m.Published(
        report_id=done.report_id,
        year=int(done.data["year"]),
        checkpoint_size=done.checkpoint_size,
        files=[name for name in MEDIA if (done.out / name).is_file()],
    )


@router.post(
    "/reports",
    response_model=m.Published,
    status_code=status.HTTP_201_CREATED,
    summary="Publish the year's report",
)
def publish_report(request: Request, token: Token, body: m.YearRequest) -> m.Published:
    """Publish the year's report as `zerotrail report` does: the year's claim and the
    publication recorded, a checkpoint signed over them, report.html, report.pdf, report.json
    and disclosures.xlsx written with the proofs of the headline figures. The server keeps it
    (replacing the year's earlier one there). 400 when the year cannot be published (never
    calculated) or the server was started without a signer key or a report folder."""
    access = workspace(request)
    with access.open(write=True) as ws:
        authenticate(ws, token, PUBLISH)
        done = publish_here(access, ws, body.year)
    return published(done)


@router.get("/reports", response_model=m.Reports, summary="The reports kept")
def reports(request: Request, token: Token) -> m.Reports:
    """The latest report of each year published through this server, newest year first."""
    access = workspace(request)
    with access.open() as ws:
        authenticate(ws, token, READ_CREDITS)
    kept = kept_reports(access)
    return m.Reports(
        reports=[
            m.Report(year=r.year, report_id=r.report_id, published_at=r.published_at, files=r.files)
            for r in kept
        ]
    )


_FILE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file as published, as an attachment.",
        "content": {
            kind.split(";")[0]: {"schema": {} if kind == "application/json" else {"type": "string"}}
            for kind in MEDIA.values()
        },
    },
}


@router.get(
    "/reports/{year}/{file}",
    response_class=FileResponse,
    responses=_FILE_ANSWER,
    summary="Download a report file",
)
def report_file(
    request: Request,
    token: Token,
    year: Year,
    file: Annotated[str, Path(description="The file.", json_schema_extra={"enum": list(MEDIA)})],
) -> FileResponse:
    """A file of the year's report kept by the server. 404 when the year has none here."""
    access = workspace(request)
    with access.open() as ws:
        authenticate(ws, token, READ_CREDITS)
    path = kept_file(access, year, file)
    if path is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no {file} of a {year} report is kept by this server"
        )
    return FileResponse(path, media_type=MEDIA[file], filename=f"{year}-{file}")
