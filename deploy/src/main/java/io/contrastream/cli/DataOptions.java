package io.contrastream.cli;

import io.contrastream.model.data.DataSpec;
import io.contrastream.model.data.ImageSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading a SPEC for the commands, with a limit and a clear error. */
final class DataOptions {
    static final String DEFAULT_FASHION = "/usr/share/datasets/fashion-mnist";

    private DataOptions() {}

    static ImageSet read(String spec, int channels, int size, int limit) throws IOException {
        DataSpec parsed = DataSpec.parse(spec);
        if (parsed.kind() == DataSpec.Kind.FASHION_MNIST && parsed.path().equals(Path.of(DEFAULT_FASHION))
                && !Files.isDirectory(parsed.path())) {
            String fallback = "synthetic:" + (parsed.split().equals("test") ? 10_000 : 60_000) + ":" + parsed.split();
            System.err.println("contrastream: Fashion-MNIST is not installed at " + DEFAULT_FASHION
                    + ". Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu) or pass --data SPEC;"
                    + " using the built-in synthetic shapes set (" + fallback + ") instead.");
            parsed = DataSpec.parse(fallback + (parsed.hasRange() ? "@" + parsed.from() + ":" + parsed.to() : ""));
        }
        ImageSet set = parsed.read(channels, size);
        if (limit > 0 && limit < set.size()) {
            set = set.slice(0, limit);
        }
        return set;
    }
}
