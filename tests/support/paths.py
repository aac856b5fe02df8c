"""The checkout's root, and the seed files in fixtures/."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = ROOT / "fixtures"
SAMPLE_SEED = FIXTURES_DIR / "000_2c91f7d39cae87f0.txt"
