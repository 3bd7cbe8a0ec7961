"""What the archiver DAGs compute: spark-submit arguments and archiver-dbt command lines. DAG files only wire tasks."""
