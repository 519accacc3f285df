"""A sweep on a scheduler and workers started by hand (`dask scheduler`, `dask worker`), as the README shows."""
import json
import socket
import subprocess
import sys
import time

import pytest

from verifier.sweep import read_table


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.slow
def test_sweep_on_a_cluster_started_by_hand(tmp_path):
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen(dask + ["--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        t0 = time.monotonic()
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() - t0 < 60, "the scheduler did not start"
                time.sleep(0.3)
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", addr, "--nworkers", "2",
                                       "--nthreads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        (tmp_path / "s.toml").write_text('data = "synthetic:n=16,d=4"\nn = 8\nwidth = [8, 16]\nseed = [0, 1]\n'
                                         'steps = 5\nntk_every = 0\n[sweep]\nbootstrap = 10\n')
        res = subprocess.run([sys.executable, "-m", "verifier.cli", "sweep", str(tmp_path / "s.toml"), "--out",
                              str(tmp_path / "out"), "--scheduler", addr, "--quiet"], capture_output=True, text=True,
                             timeout=300)
        assert res.returncode == 0, res.stderr
        rows = read_table(tmp_path / "out" / "results.parquet")
        assert len(rows) == 4 and all(r["status"] == "finished" for r in rows)
        start = json.loads((tmp_path / "out" / "events.jsonl").read_text().splitlines()[0])
        assert start["scheduler"] == addr
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)
