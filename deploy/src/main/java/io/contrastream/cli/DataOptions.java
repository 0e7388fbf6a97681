package io.contrastream.cli;

import io.contrastream.model.data.DataSpec;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SpokenImageSpec;
import io.contrastream.model.data.SpokenImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading a SPEC for the commands, with a limit and a clear error. */
final class DataOptions {
    static final String DEFAULT_FASHION = "/usr/share/datasets/fashion-mnist";

    private DataOptions() {}

    /** The images of any SPEC (of a {@code fashion-mnist-spoken:} spec: its images alone). */
    static ImageSet read(String spec, int channels, int size, int limit) throws IOException {
        if (SpokenImageSpec.matches(spec)) {
            ImageSet set = SpokenImageSpec.parse(spec).readImages(channels, size);
            return limit > 0 && limit < set.size() ? set.slice(0, limit) : set;
        }
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

    /** Images paired with utterances ({@code fashion-mnist-spoken:FMNIST_DIR:SPLIT:SPEECH_DIR}), paired by seed. */
    static SpokenImages readSpoken(String spec, int channels, int size, int limit, long seed) throws IOException {
        if (!SpokenImageSpec.matches(spec)) {
            throw new IllegalArgumentException("'" + spec + "' carries no audio: use " + SpokenImageSpec.FORM
                    + " (make the speech with `contrastream make-speech --vocabulary fashion-mnist --out SPEECH_DIR`)");
        }
        return SpokenImageSpec.parse(spec).read(channels, size, seed).limit(limit);
    }
}
