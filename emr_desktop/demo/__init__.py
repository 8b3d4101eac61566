"""The synthetic demo practice generator (``emr-admin demo``, ``emr-desktop --demo``, the
benchmarks). A tool that uses the services and models; nothing in the product imports it."""
