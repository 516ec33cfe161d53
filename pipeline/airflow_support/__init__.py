"""Glue between Airflow and the pipeline: settings, task bodies, failure callbacks.

Nothing here imports Airflow at module level, so it can be imported and tested without it;
the DAG files in `dags/` only wire these functions into tasks.
"""
