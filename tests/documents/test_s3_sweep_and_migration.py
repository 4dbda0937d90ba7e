"""`documents sweep` on a bucket, and `documents migrate-storage` from disk to S3."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from coordinator.documents.cli import write_instance_setting
from coordinator.documents.services import stored_sha256
from coordinator.documents.storage import LocalStorage, S3Storage, get_storage, storage_from_url
from tests.s3server import free_port, s3_settings


def bucket_objects(storage: S3Storage) -> list[str]:
    listing = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


class TestSweepOnABucket:
    @pytest.fixture
    def app_config(self, app_config, s3_storage_config) -> dict:
        return {**app_config, **s3_storage_config}

    def test_orphans_and_stale_uploads_go_after_the_grace_period_fresh_ones_stay(
        self, app, network, attach
    ):
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        kept = attach(network.event, network.lead_fp).current_version.storage_key
        orphan = storage.put(io.BytesIO(b"nobody points at me"))
        in_flight = f"{storage.temp_prefix}upload-in-flight"
        storage.client.put_object(Bucket=storage.bucket, Key=in_flight, Body=b"half")
        runner = app.test_cli_runner()

        fresh = runner.invoke(args=["documents", "sweep"])  # default grace: one hour
        assert fresh.exit_code == 0, fresh.output
        assert "kept 1 unreferenced file(s)" in fresh.output
        assert "removed 0 orphan file(s) and 0 unfinished upload(s)" in fresh.output
        assert storage.exists(orphan) and in_flight in bucket_objects(storage)

        with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
            late = runner.invoke(args=["documents", "sweep"])
        assert late.exit_code == 0, late.output
        assert f"removed orphan file {orphan}" in late.output
        assert f"removed unfinished upload {in_flight}" in late.output
        assert bucket_objects(storage) == [f"documents/{kept[:2]}/{kept}"]

    def test_dry_run_removes_nothing(self, app):
        storage = get_storage()
        orphan = storage.put(io.BytesIO(b"orphan"))
        result = app.test_cli_runner().invoke(
            args=["documents", "sweep", "--grace-seconds", "0", "--dry-run"]
        )
        assert f"would remove orphan file {orphan}" in result.output
        assert storage.exists(orphan)

    def test_a_missing_object_is_reported(self, app, network, attach):
        document = attach(network.event, network.lead_fp)
        key = document.current_version.storage_key
        get_storage().delete(key)
        result = app.test_cli_runner().invoke(args=["documents", "sweep", "--grace-seconds", "0"])
        assert result.exit_code == 1
        assert f"MISSING file {key} of document {document.id} version 1" in result.output


@pytest.mark.local_storage  # migrates from disk to a bucket
class TestMigrateStorage:
    @pytest.fixture
    def app_config(self, app_config, s3_endpoint) -> dict:
        # Documents on disk; the S3 endpoint is configured ahead of the move, as an operator would.
        settings = s3_settings(s3_endpoint, "unused")
        del settings["STORAGE_URL"]
        return {**app_config, **settings}

    @pytest.fixture
    def instance(self, app, tmp_path):
        app.instance_path = str(tmp_path / "instance")
        return tmp_path / "instance"

    def test_local_to_s3_copies_verifies_switches_and_a_second_run_copies_nothing(
        self, app, network, attach, s3_bucket, instance, monkeypatch
    ):
        monkeypatch.delenv("COORDINATOR_STORAGE_URL", raising=False)
        source = get_storage()
        assert isinstance(source, LocalStorage)
        keys = {
            attach(network.event, network.lead_fp, title=f"Doc {n}").current_version.storage_key
            for n in range(3)
        }
        keys.add(source.put(io.BytesIO(b"an orphan is copied too: the sweep decides")))
        instance.mkdir()
        (instance / "config.py").write_text("SITE_NAME = 'x'\nSTORAGE_URL = 'file:///old'\n")
        target_url = f"s3://{s3_bucket}/documents"
        runner = app.test_cli_runner()

        first = runner.invoke(args=["documents", "migrate-storage", "--to", target_url])
        assert first.exit_code == 0, first.output
        assert "copied 4 file(s), 0 already present and verified, 0 failed" in first.output
        assert "Restart" in first.output
        assert (instance / "config.py").read_text() == (
            f"SITE_NAME = 'x'\nSTORAGE_URL = '{target_url}'\n"
        )
        target = storage_from_url(target_url, app.config)
        assert set(target.iter_keys()) == keys
        assert all(stored_sha256(target, key) == key for key in keys)
        assert not any("/tmp/" in name for name in bucket_objects(target))

        second = runner.invoke(args=["documents", "migrate-storage", "--to", target_url])
        assert second.exit_code == 0, second.output
        assert "copied 0 file(s), 4 already present and verified, 0 failed" in second.output

    def test_an_interrupted_or_damaged_copy_is_redone(
        self, app, network, attach, s3_bucket, instance
    ):
        key = attach(network.event, network.lead_fp).current_version.storage_key
        target_url = f"s3://{s3_bucket}/documents"
        target = storage_from_url(target_url, app.config)
        # A previous run left wrong bytes under the key (or died mid-way on another store).
        target.client.put_object(
            Bucket=s3_bucket, Key=f"documents/{key[:2]}/{key}", Body=b"truncated"
        )
        result = app.test_cli_runner().invoke(
            args=["documents", "migrate-storage", "--to", target_url]
        )
        assert result.exit_code == 0, result.output
        assert "copied 1 file(s), 0 already present" in result.output
        assert stored_sha256(target, key) == key

    def test_a_file_damaged_in_the_source_fails_and_nothing_switches(
        self, app, network, attach, s3_bucket, instance
    ):
        key = attach(network.event, network.lead_fp).current_version.storage_key
        (get_storage().root / key[:2] / key).write_bytes(b"bit rot")
        result = app.test_cli_runner().invoke(
            args=["documents", "migrate-storage", "--to", f"s3://{s3_bucket}/documents"]
        )
        assert result.exit_code == 1
        assert f"FAILED {key}: damaged in the source" in result.output
        assert "STORAGE_URL was not changed" in result.output
        assert not (instance / "config.py").exists()

    def test_an_environment_setting_is_named_since_it_wins(
        self, app, s3_bucket, instance, monkeypatch
    ):
        monkeypatch.setenv("COORDINATOR_STORAGE_URL", "file:///srv/coordinator/uploads")
        target_url = f"s3://{s3_bucket}/documents"
        result = app.test_cli_runner().invoke(
            args=["documents", "migrate-storage", "--to", target_url]
        )
        assert result.exit_code == 0, result.output
        assert "COORDINATOR_STORAGE_URL is set in the environment" in result.output
        assert f"set it to {target_url} too" in result.output

    def test_an_unreachable_target_changes_nothing(self, app, network, attach, instance):
        attach(network.event, network.lead_fp)
        app.config["STORAGE_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
        result = app.test_cli_runner().invoke(
            args=["documents", "migrate-storage", "--to", "s3://coordinator-docs/documents"]
        )
        assert result.exit_code == 1
        assert "S3 could not be reached" in result.output
        assert "run the command again" in result.output
        assert not (instance / "config.py").exists()

    @pytest.mark.parametrize("wrong", ["ftp://host/files", "s3:///no-bucket"])
    def test_a_wrong_target_is_refused(self, app, wrong):
        result = app.test_cli_runner().invoke(args=["documents", "migrate-storage", "--to", wrong])
        assert result.exit_code == 2
        assert "STORAGE_URL" in result.output


def test_the_setting_is_added_when_the_instance_config_lacks_it(tmp_path):
    config_file = tmp_path / "config.py"
    config_file.write_text("SECRET_KEY = 's3cr3t'")  # no final newline
    os.chmod(config_file, 0o640)
    write_instance_setting(config_file, "STORAGE_URL", "s3://bucket/prefix")
    assert config_file.read_text() == "SECRET_KEY = 's3cr3t'\nSTORAGE_URL = 's3://bucket/prefix'\n"
    assert config_file.stat().st_mode & 0o777 == 0o640
    write_instance_setting(tmp_path / "new" / "config.py", "STORAGE_URL", "file:///srv/files")
    assert (tmp_path / "new" / "config.py").stat().st_mode & 0o777 == 0o600


def test_the_sweep_stops_with_a_message_when_s3_is_unreachable(app, s3_storage_config):
    config = {**s3_storage_config, "STORAGE_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    app.extensions["document_storage"] = storage_from_url(config["STORAGE_URL"], config)
    result = app.test_cli_runner().invoke(args=["documents", "sweep"])
    assert result.exit_code == 1
    assert "S3 could not be reached" in result.output
    assert "Traceback" not in result.output
