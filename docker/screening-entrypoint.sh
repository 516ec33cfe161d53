#!/usr/bin/env bash
# Entrypoint of the trial-screening Airflow image: owner-only files, then the official entrypoint.
#
# umask 077: every file and folder an Airflow process creates (report files, task logs, temp
# files) is readable by its owner only. All Airflow services run as the same AIRFLOW_UID, so they
# still read each other's logs. pipeline/publish.py also sets umask 077 around report writes; this
# covers everything else the process writes.
set -euo pipefail
umask 0077
exec /entrypoint "$@"
