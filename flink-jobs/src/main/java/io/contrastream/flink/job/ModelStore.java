package io.contrastream.flink.job;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Published model versions in a directory reached through Flink's FileSystem ({@code file://}
 * here, {@code s3://}, {@code hdfs://} on a cluster): {@code <store>/<model-id>/v<version>/}
 * holds {@code encoder.bin} (bit-exact encoder weights) and {@code version.json}, written under a
 * temporary name and renamed into place.
 *
 * <pre>{@code
 * String uri = ModelStore.write("file:///tmp/models", "default", 3, 60, 5.1, encoderBytes, "moco-v2");
 * byte[] weights = ModelStore.readEncoder(uri);
 * }</pre>
 */
public final class ModelStore {
    public static final String ENCODER = "encoder.bin";
    public static final String META = "version.json";

    private ModelStore() {}

    public static String write(String store, String modelId, long version, long step, double loss, byte[] encoder,
            String method) throws IOException {
        Path dir = new Path(versionUri(store, modelId, version));
        // written under a temporary name and renamed, so a reader never sees a half-written version
        Path tmp = new Path(store + "/" + modelId + "/.v" + version + "-" + java.util.UUID.randomUUID());
        FileSystem fs = dir.getFileSystem();
        fs.mkdirs(tmp);
        try (FSDataOutputStream out = fs.create(new Path(tmp, ENCODER), FileSystem.WriteMode.OVERWRITE)) {
            out.write(encoder);
        }
        String meta = String.format(Locale.ROOT,
                "{\"modelId\":\"%s\",\"version\":%d,\"step\":%d,\"loss\":%s,\"method\":\"%s\"}%n", modelId, version, step,
                Double.isFinite(loss) ? Double.toString(loss) : "null", method);
        try (FSDataOutputStream out = fs.create(new Path(tmp, META), FileSystem.WriteMode.OVERWRITE)) {
            out.write(meta.getBytes(StandardCharsets.UTF_8));
        }
        if (fs.exists(dir)) { // a version retrained after a restore replaces the earlier attempt
            fs.delete(dir, true);
        }
        if (!fs.rename(tmp, dir)) {
            throw new IOException("cannot publish model version " + dir + " (rename from " + tmp + " failed)");
        }
        return dir.toUri().toString();
    }

    /** Where version {@code version} of {@code modelId} lives in {@code store}. */
    public static String versionUri(String store, String modelId, long version) {
        return store + "/" + modelId + "/v" + version;
    }

    public static byte[] readEncoder(String versionUri) throws IOException {
        Path p = new Path(versionUri, ENCODER);
        try (InputStream in = p.getFileSystem().open(p)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toByteArray();
        }
    }

}
