-- Loads the dump named by arg[1] and prints its `proxy-config clusters`
-- table: the meshlua side of bench/dump/run.sh.
io.write(tostring(meshlua.load(arg[1]):clusters()))
