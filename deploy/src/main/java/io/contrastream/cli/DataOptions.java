package io.contrastream.cli;

import io.contrastream.model.data.DataSpec;
import io.contrastream.model.data.ImageSet;
import java.io.IOException;

/** Reading a SPEC for the commands, with a limit and a clear error. */
final class DataOptions {
    static final String DEFAULT_FASHION = "/usr/share/datasets/fashion-mnist";

    private DataOptions() {}

    static ImageSet read(String spec, int channels, int size, int limit) throws IOException {
        ImageSet set = DataSpec.parse(spec).read(channels, size);
        if (limit > 0 && limit < set.size()) {
            set = set.slice(0, limit);
        }
        return set;
    }
}
