"""Run one command and print its wall time and peak memory (this process's children) as JSON."""

import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(
    json.dumps(
        {
            "seconds": elapsed,
            "peak_mib": peak_kib / 1024,
            "returncode": result.returncode,
            "stderr": result.stderr[-2000:],
        }
    )
)
