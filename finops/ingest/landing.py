"""Find deliveries in the landing folder: manifests, plain files, and which one is current.

A *delivery* is the set of files that together state one source's bill for some billing
accounts in one billing period. Where the provider writes a manifest (AWS CUR 2.0 and legacy
CUR), the manifest names the files of the current refresh and everything else beside them is a
superseded refresh. Elsewhere exports are cumulative snapshots: per billing account and period
the newest delivery (files sharing a folder and a name up to the shard number) wins.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from finops.ingest.errors import IngestError
from finops.ingest.readers import file_kind

_SHARD_SUFFIX = re.compile(r"([-_](part[-_]?)?\d+([-_]\d+)*)$", re.IGNORECASE)
_CUR2_PERIOD_DIR = re.compile(r"^BILLING_PERIOD=(\d{4}-\d{2})$")
_CUR_RANGE_DIR = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")


@dataclass
class Delivery:
    """Files that replace (source, billing account(s), billing period) together."""

    source: str
    period: str
    files: list[Path]
    delivery_id: str  # manifest execution/assembly id, or a content fingerprint
    accounts: set[str] | None = None  # None: whatever accounts the files hold for the period
    manifest: Path | None = None
    kind: str = "plain"  # 'cur2' | 'cur' | 'plain'
    file_hashes: dict[Path, str] = field(default_factory=dict)

    def fingerprint(self, landing_dir: Path) -> str:
        digest = hashlib.sha256(self.delivery_id.encode())
        for path in sorted(self.files):
            rel = _relative(path, landing_dir)
            digest.update(f"\n{rel}:{self.file_hashes.get(path, '')}".encode())
        for account in sorted(self.accounts or []):
            digest.update(f"\naccount:{account}".encode())
        return digest.hexdigest()


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inside(path: Path, root: Path) -> bool:
    """True when `path`, with symlinks resolved, stays inside `root`."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def list_files(landing_dir: Path, folder: str) -> list[Path]:
    """Every regular file under landing/<folder>, sorted; links leaving the landing folder fail."""
    base = landing_dir / folder
    if not base.is_dir():
        return []
    files = []
    for path in sorted(base.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(base).parts):
            continue  # hidden files and folders (editor swap files, .DS_Store, sync metadata)
        if not inside(path, landing_dir):
            raise IngestError(
                "resolves outside the landing folder; refusing to read it",
                file=path,
                hint="replace the symlink with the file itself",
            )
        if path.is_file():
            files.append(path)
    return files


def delivery_key(path: Path) -> str:
    """Files in one folder whose names differ only by a shard number form one delivery."""
    name = path.name
    for suffix in (".gz", ".gzip", ".zip"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    stem = name.rsplit(".", 1)[0]
    return str(path.parent / _SHARD_SUFFIX.sub("", stem))


@dataclass
class ManifestScan:
    deliveries: list[Delivery]
    managed_dirs: list[Path]  # data folders governed by a manifest
    errors: list[tuple[str, IngestError]] = field(default_factory=list)  # (period or "?", error)


def _resolve_s3_key(key: str, landing_folder: Path, manifest: Path) -> Path:
    """Map an S3 key from a manifest onto the synced landing folder."""
    key = re.sub(r"^s3://[^/]+/", "", key).lstrip("/")
    if ".." in Path(key).parts:
        raise IngestError(
            f"the manifest lists {key!r}, a path that leaves the landing folder; refusing to read it",
            file=manifest,
            hint="a manifest may only name files of its own export",
        )
    # The bucket may be synced without its prefix: match the longest existing suffix.
    parts = Path(key).parts
    for candidate in [landing_folder / Path(*parts[i:]) for i in range(len(parts))]:
        if candidate.exists():
            if not inside(candidate, landing_folder):
                raise IngestError(
                    f"the manifest lists {key!r}, which resolves outside the landing folder; "
                    "refusing to read it",
                    file=manifest,
                    hint="replace the symlink with the file itself",
                )
            return candidate
    raise IngestError(
        f"the manifest lists {key!r}, which is not in the landing folder",
        file=manifest,
        hint="sync the whole export folder, then run again",
    )


def _load_manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"manifest is not valid JSON ({exc})", file=path) from None
    if not isinstance(data, dict):
        raise IngestError("manifest must be a JSON object", file=path)
    return data


def _manifest_location(path: Path) -> tuple[str, str | None, Path]:
    """From where a manifest sits: its kind, the period its folder names, the data folder it governs."""
    cur2_dir = _CUR2_PERIOD_DIR.match(path.parent.name)
    if cur2_dir:
        period = cur2_dir.group(1)
        return "cur2", period, path.parent.parent.parent / "data" / f"BILLING_PERIOD={period}"
    range_dir = _CUR_RANGE_DIR.match(path.parent.name)
    period = f"{range_dir.group(1)}-{range_dir.group(2)}" if range_dir else None
    return "cur", period, path.parent


def scan_manifests(landing_dir: Path, folder: str, files: list[Path]) -> dict[str, ManifestScan]:
    """Parse every `*-Manifest.json`: per manifest kind, the current deliveries.

    A manifest that cannot be used is an error of its period; its data folder stays governed,
    so superseded files beside it are never read as plain files instead.
    """
    base = landing_dir / folder
    out = {"cur2": ManifestScan([], []), "cur": ManifestScan([], [])}
    for path in files:
        if file_kind(path) != "manifest":
            continue
        kind, folder_period, managed = _manifest_location(path)
        try:
            data = _load_manifest(path)
            if "dataFiles" in data or "executionId" in data:
                kind = "cur2"
            elif "assemblyId" in data or "reportKeys" in data:
                kind = "cur"
            else:
                raise IngestError("not an AWS CUR manifest (no dataFiles/reportKeys)", file=path)
            period = _manifest_period(data, path) or folder_period
            if period is None:
                raise IngestError("cannot tell the billing period of this manifest", file=path)
            out[kind].managed_dirs.append(managed)
            out[kind].deliveries.append(_manifest_delivery(kind, data, path, base, period))
        except IngestError as exc:
            out[kind].managed_dirs.append(managed)
            out[kind].errors.append((folder_period or "?", exc))
    return out


def _manifest_delivery(kind: str, data: dict, path: Path, base: Path, period: str) -> Delivery:
    if kind == "cur2":
        arn = str(data.get("exportArn", ""))
        account = arn.split(":")[4] if arn.count(":") >= 5 else None
        keys = data.get("dataFiles") or []
        delivery_id = str(data.get("executionId", ""))
    else:
        account = str(data["account"]) if data.get("account") else None
        keys = data.get("reportKeys") or []
        delivery_id = str(data.get("assemblyId", ""))
    return Delivery(
        source="aws_cur2" if kind == "cur2" else "aws_cur",
        period=period,
        files=[_resolve_s3_key(k, base, path) for k in keys],
        delivery_id=delivery_id,
        accounts={account} if account else None,
        manifest=path,
        kind=kind,
    )


def _manifest_period(data: dict, path: Path) -> str | None:
    start = (data.get("billingPeriod") or {}).get("start")
    if not start:
        return None
    digits = re.sub(r"[^0-9]", "", str(start))
    if len(digits) < 6:
        raise IngestError(f"billingPeriod.start {start!r} is not a date", file=path)
    return f"{digits[:4]}-{digits[4:6]}"


def under_any(path: Path, dirs: list[Path]) -> bool:
    return any(path.is_relative_to(d) for d in dirs)
