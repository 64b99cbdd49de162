"""Print the fault table (from the repository root).

    python -m tests.services.faults.table [serve|gunicorn]
"""

import sys

from tests.services.faults.scenarios import FAULTS, fault_stack, measure


def main() -> None:
    with fault_stack(server=sys.argv[1] if len(sys.argv) > 1 else "serve") as stack:
        print(f"{'fault':<10} {'route':<9} {'status':>6}  {'error':<24} {'seconds':>7}  note")
        for fault in FAULTS:
            for route in ("session", "download"):
                outcome = measure(stack, fault, route)
                recovered = stack.call(route).status_code
                note = "aborted transfer" if outcome.aborted else ""
                print(f"{fault:<10} {route:<9} {outcome.status:>6}  {outcome.code or '-':<24} "
                      f"{outcome.seconds:>7.2f}  {note} (then {recovered})")


if __name__ == "__main__":
    main()
