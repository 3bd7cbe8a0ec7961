"""The bridge against a live Airflow 3: API server, scheduler with LocalExecutor and DAG processor started once per
session, a real Kafka broker, the archiver (a JVM, Spark), spark-submit and archiver-dbt on DuckDB."""
