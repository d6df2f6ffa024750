"""The benchmark's own tests (its report, its failure rules, its capacity plan), run by `make test`
under the gateway's settings: `python gateway_project/manage.py test bench`."""
