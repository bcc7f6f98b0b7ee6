import pytest


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    """Import jobs store their files on MEDIA_ROOT: a folder of each test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
