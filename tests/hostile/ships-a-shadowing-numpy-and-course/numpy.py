"""A numpy.py beside the notebook: would make every comparison pass if it were imported."""
import sys
raise SystemExit("the shadowing numpy.py was imported")
