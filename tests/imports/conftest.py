import pytest


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.IMPORTS_CHUNK_ROWS = 2  # several chunks even with a few rows
