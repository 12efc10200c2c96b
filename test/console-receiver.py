# A console socket receiver as conmon and the containerd shim are: accepts
# one connection, takes the pty master from SCM_RIGHTS, prints the payload
# name, writes stdin lines given as arguments to the master, and prints
# everything the terminal shows until the slave side closes.
import os, socket, sys

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print('listening', flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
print('name=' + msg.decode(), flush=True)
master = fds[0]
for line in sys.argv[2:]:
    os.write(master, (line + '\n').encode())
out = b''
while True:
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
print('output=' + repr(out.decode()), flush=True)
