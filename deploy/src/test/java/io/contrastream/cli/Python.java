package io.contrastream.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code python3} the Python-side tests run: on the PATH, else Debian's /usr/bin/python3 (e.g. under
 * pyenv), the first that imports what the test needs.
 *
 * <pre>{@code
 * String python = Python.with("import torch, numpy");   // null when none has the modules
 * }</pre>
 */
final class Python {
    private Python() {}

    /** The first candidate on which {@code imports} succeeds within 60 s, or null. */
    static String with(String imports) {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", imports)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
