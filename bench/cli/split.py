# bench/cli/split.py FILE: the peer of split.lua, with Python's shlex.split
# (POSIX mode): the same output format, the same timing report.
import shlex, sys, time
lines = open(sys.argv[1]).read().split("\n")[:-1]
t0 = time.process_time()
results = [shlex.split(line) for line in lines]
t1 = time.process_time()
sys.stdout.write("\n".join("\x1f".join(w) for w in results) + "\n")
sys.stderr.write("python3 shlex.split: %d lines in %.3f s (%.0f lines/s)\n" % (len(lines), t1 - t0, len(lines) / (t1 - t0)))
