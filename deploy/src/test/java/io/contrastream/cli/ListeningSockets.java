package io.contrastream.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from {@code /proc} (Linux): the socket inodes among the process's
 * open file descriptors, matched with the LISTEN rows of its network namespace's {@code tcp} and {@code tcp6}
 * tables. What {@code ss -ltnp} shows for one pid, without needing {@code ss}.
 *
 * <pre>{@code
 * for (InetSocketAddress a : ListeningSockets.of(pid)) {
 *     assertThat(a.getAddress().isLoopbackAddress()).as(a.toString()).isTrue();
 * }
 * }</pre>
 */
final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {}

    /** Every listening TCP address of process {@code pid}; IPv4-mapped IPv6 addresses come back as IPv4. */
    static List<InetSocketAddress> of(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // the descriptor closed while we listed them
                }
            }
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            Path file = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> rows = Files.readAllLines(file);
            for (String line : rows.subList(1, rows.size())) { // row 0 is the header
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals(LISTEN) && inodes.contains(f[9])) {
                    String[] hostPort = f[1].split(":");
                    out.add(new InetSocketAddress(address(hostPort[0]), Integer.parseInt(hostPort[1], 16)));
                }
            }
        }
        return out;
    }

    /** /proc/net/tcp's hex address: 32-bit words in host (little-endian) byte order. */
    private static InetAddress address(String hex) throws IOException {
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            for (int i = 0; i < 4; i++) {
                int at = w * 8 + (3 - i) * 2;
                b[w * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(b); // a v4-mapped v6 address becomes an Inet4Address
    }
}
