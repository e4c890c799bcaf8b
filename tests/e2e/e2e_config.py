"""What the end-to-end fixtures and helpers share."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
# Screenshots and logs of the last run; /var/ is ignored by git.
ARTIFACTS = ROOT / "var" / "e2e-artifacts"
PASSWORD = "Blora-TPS901-e2e"  # noqa: S105 - a throwaway password of a throwaway database
ELECTION = "PILKADA2024"
FACILITY = "RUTAN-BLORA"


def local_today():
    """Today where the rutan is (the app's TIME_ZONE), as the server sees it."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()
