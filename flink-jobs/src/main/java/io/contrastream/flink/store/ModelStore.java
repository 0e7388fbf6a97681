package io.contrastream.flink.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contrastream.model.state.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Published model versions in a directory reached through Flink's FileSystem ({@code file://}
 * here, {@code s3://}, {@code hdfs://} on a cluster): {@code <store>/<model-id>/v<version>/}
 * holds {@code encoder.bin} (bit-exact encoder weights, what the job reads back),
 * {@code encoder.safetensors} (the same weights in the standard safetensors format, under PyTorch
 * {@code state_dict} names, for other tools: {@code python/contrastream_torch.py}) and
 * {@code version.json} (and {@code history.jsonl}, the training steps since the previous version: step,
 * loss, lr, records/s, and the collapse figures of the previous version), written under a temporary name ({@code .v<version>-<uuid>}) and renamed into
 * place. The safetensors {@code __metadata__} and version.json's {@code metadata} hold the same strings:
 * the caller's description of the encoder (method, architecture, input and its preprocessing, metric)
 * plus {@code model_id}, {@code model_version} and {@code step}.
 *
 * <pre>{@code
 * Map<String, String> about = TrainerOperator.servingMetadata(cfg);   // method, architecture, input, metric, ...
 * ModelStore.Published p = ModelStore.publish("file:///data/models", modelId, 3, 60, 5.1, encoderBytes, about);
 * byte[] weights = ModelStore.readEncoder(p.uri());   // p.version() >= 3: the next number free in the store
 * ModelStore.retain("file:///data/models", modelId, 20, Set.of(p.version()));
 * }</pre>
 *
 * <p>Rules: an existing version directory is never replaced (a number names one set of weights
 * forever; {@link #publish} takes the next free number instead, or keeps the number when the directory
 * already holds the very same bytes, as after a restore that replays bit-exact); a failed write removes
 * its temporary directory; on {@code file://} every directory the store creates is owner-only (0700) and deletes
 * never follow a symbolic link (a version or model directory that is a link is refused, a link
 * inside a version directory is unlinked, its target untouched).
 */
public final class ModelStore {
    public static final String ENCODER = "encoder.bin";
    public static final String META = "version.json";
    /** The training steps since the previous version, one JSON object a line. */
    public static final String HISTORY = "history.jsonl";
    public static final String SAFETENSORS = "encoder.safetensors";
    /**
     * Temporary directories younger than this are left alone by {@link #cleanStaleTemps}: they may be the
     * write in progress of another subtask or job on the same store.
     */
    public static final Duration STALE_TEMP_AGE = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
    private static final Pattern VERSION = Pattern.compile("v([0-9]{1,18})");
    private static final Pattern TEMP = Pattern.compile("\\.v[0-9]{1,18}-[0-9a-fA-F-]{36}");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Attempts of {@link #publish} when another writer takes the chosen number first. */
    private static final int PUBLISH_ATTEMPTS = 8;
    private static final Set<String> NOT_DELETED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ModelStore() {}

    /** The version directory exists: it is never replaced (only this makes {@link #publish} take another number). */
    public static final class VersionTaken extends FileAlreadyExistsException {
        private static final long serialVersionUID = 1L;

        VersionTaken(Path dir) {
            super(dir.toString(), null, "model version exists and is never replaced");
        }
    }

    /**
     * A version stored by {@link #publish}: the number it got, its directory's URI, and whether that directory
     * was already there with these very bytes (a replay after a restore), so nothing was written.
     */
    public record Published(long version, String uri, boolean replayed) {}

    /**
     * Stores the encoder as version {@code atLeast} when that number is free or already holds exactly these
     * bytes (a restore from a checkpoint replays bit-exact: the same weights keep their number), else as
     * {@code newest in the store + 1}: a trainer whose counter is behind the store (a resubmit without
     * savepoint, a savepoint rollback, a second job) never gives a number to other weights. Throws on any
     * store failure, after removing its temporary directory.
     *
     * @param encoder the bytes of {@code exportEncoder()} (ParameterIO's layout, one block after another)
     * @param about what the encoder is: {@code method} at least (the store folder's method check reads it)
     */
    public static Published publish(String store, String modelId, long atLeast, long step, double loss,
            byte[] encoder, Map<String, String> about) throws IOException {
        return publish(store, modelId, atLeast, step, loss, encoder, about, null);
    }

    /**
     * {@link #publish(String, String, long, long, double, byte[], Map)}, with {@code history} (JSON lines of the
     * training steps since the previous version, or null) written as {@code history.jsonl} beside the weights.
     * A replayed version keeps the history it was first written with.
     */
    public static Published publish(String store, String modelId, long atLeast, long step, double loss,
            byte[] encoder, Map<String, String> about, String history) throws IOException {
        if (holds(store, modelId, atLeast, meta(modelId, atLeast, step, loss, about), encoder)) {
            return new Published(atLeast, new Path(modelDir(store, modelId), "v" + atLeast).toUri().toString(), true);
        }
        long version = Math.max(atLeast, latestVersion(store, modelId) + 1);
        for (int attempt = 1; ; attempt++) {
            try {
                return new Published(version, write(store, modelId, version, step, loss, encoder, about, history),
                        false);
            } catch (VersionTaken e) { // another writer took the number between the listing and the rename
                if (attempt >= PUBLISH_ATTEMPTS) {
                    throw e;
                }
                version = Math.max(version + 1, latestVersion(store, modelId) + 1);
            }
        }
    }

    /**
     * Writes version {@code version}; throws {@link VersionTaken} when it exists (it is never replaced) and
     * removes its temporary directory on any failure.
     */
    public static String write(String store, String modelId, long version, long step, double loss, byte[] encoder,
            Map<String, String> about) throws IOException {
        return write(store, modelId, version, step, loss, encoder, about, null);
    }

    /** {@link #write(String, String, long, long, double, byte[], Map)}, with {@code history.jsonl} when not null. */
    public static String write(String store, String modelId, long version, long step, double loss, byte[] encoder,
            Map<String, String> about, String history) throws IOException {
        Map<String, String> metadata = metadata(modelId, version, step, about);
        byte[] safetensors = SafeTensors.write(SafeTensors.fromEncoder(encoder), metadata); // before any folder exists
        Path modelDir = modelDir(store, modelId);
        Path dir = new Path(modelDir, "v" + version);
        FileSystem fs = dir.getFileSystem();
        mkdirs(fs, modelDir);
        if (fs.exists(dir)) {
            throw new VersionTaken(dir);
        }
        // written under a temporary name and renamed, so a reader never sees a half-written version
        Path tmp = new Path(modelDir, ".v" + version + "-" + java.util.UUID.randomUUID());
        try {
            mkdirs(fs, tmp);
            try (FSDataOutputStream out = fs.create(new Path(tmp, ENCODER), FileSystem.WriteMode.NO_OVERWRITE)) {
                out.write(encoder);
            }
            try (FSDataOutputStream out = fs.create(new Path(tmp, SAFETENSORS), FileSystem.WriteMode.NO_OVERWRITE)) {
                out.write(safetensors);
            }
            try (FSDataOutputStream out = fs.create(new Path(tmp, META), FileSystem.WriteMode.NO_OVERWRITE)) {
                out.write(meta(modelId, version, step, loss, about));
            }
            if (history != null) {
                try (FSDataOutputStream out = fs.create(new Path(tmp, HISTORY), FileSystem.WriteMode.NO_OVERWRITE)) {
                    out.write(history.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            rename(fs, tmp, dir);
        } catch (IOException | RuntimeException e) {
            try {
                if (fs.exists(tmp)) {
                    delete(fs, tmp);
                }
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return dir.toUri().toString();
    }

    /**
     * The caller's description and the version's identity: safetensors' {@code __metadata__}, version.json's
     * {@code metadata}.
     */
    private static Map<String, String> metadata(String modelId, long version, long step, Map<String, String> about) {
        if (about.get("method") == null) {
            throw new IllegalArgumentException("a model version's description needs its method: " + about);
        }
        Map<String, String> out = new LinkedHashMap<>(about);
        out.put("model_id", modelId);
        out.put("model_version", String.valueOf(version));
        out.put("step", String.valueOf(step));
        return out;
    }

    private static byte[] meta(String modelId, long version, long step, double loss, Map<String, String> about) {
        ObjectNode m = JSON.createObjectNode();
        m.put("modelId", modelId);
        m.put("version", version);
        m.put("step", step);
        if (Double.isFinite(loss)) {
            m.put("loss", loss);
        } else {
            m.putNull("loss");
        }
        m.put("method", about.get("method"));
        ObjectNode meta = m.putObject("metadata");
        metadata(modelId, version, step, about).forEach(meta::put);
        return (m.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Whether version {@code version} exists with exactly this {@code version.json} and these weights. */
    private static boolean holds(String store, String modelId, long version, byte[] meta, byte[] encoder)
            throws IOException {
        Path dir = new Path(modelDir(store, modelId), "v" + version);
        FileSystem fs = dir.getFileSystem();
        if (!fs.exists(new Path(dir, META)) || !fs.exists(new Path(dir, ENCODER))) {
            return false;
        }
        return java.util.Arrays.equals(read(new Path(dir, META)), meta)
                && fs.getFileStatus(new Path(dir, ENCODER)).getLen() == encoder.length
                && java.util.Arrays.equals(read(new Path(dir, ENCODER)), encoder);
    }

    private static byte[] read(Path p) throws IOException {
        try (InputStream in = p.getFileSystem().open(p)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toByteArray();
        }
    }

    /** Where version {@code version} of {@code modelId} lives in {@code store}. */
    public static String versionUri(String store, String modelId, long version) {
        return trim(store) + "/" + modelId + "/v" + version;
    }

    public static byte[] readEncoder(String versionUri) throws IOException {
        return read(new Path(versionUri, ENCODER));
    }

    /** The version numbers in {@code <store>/<model-id>/}, ascending; empty when the folder does not exist. */
    public static List<Long> versions(String store, String modelId) throws IOException {
        Path modelDir = modelDir(store, modelId);
        FileSystem fs = modelDir.getFileSystem();
        List<Long> out = new ArrayList<>();
        for (FileStatus s : list(fs, modelDir)) {
            Matcher m = VERSION.matcher(s.getPath().getName());
            if (m.matches() && s.isDir()) {
                out.add(Long.parseLong(m.group(1)));
            }
        }
        Collections.sort(out);
        return out;
    }

    /** The newest version number in the store, 0 when there is none. */
    public static long latestVersion(String store, String modelId) throws IOException {
        List<Long> v = versions(store, modelId);
        return v.isEmpty() ? 0 : v.get(v.size() - 1);
    }

    /** The {@code method} of a version's {@code version.json}, or null when it names none or cannot be read. */
    public static String method(String versionUri) {
        Path p = new Path(versionUri, META);
        try (InputStream in = p.getFileSystem().open(p)) {
            JsonNode m = JSON.readTree(in).get("method");
            return m == null || !m.isTextual() ? null : m.asText();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Null when every version in {@code <store>/<model-id>/} was trained by {@code method} (or there is
     * none), else what the folder holds, e.g. {@code "v1..v3 of method simclr"}.
     */
    public static String foreignVersions(String store, String modelId, String method) throws IOException {
        TreeMap<String, List<Long>> foreign = new TreeMap<>();
        for (long v : versions(store, modelId)) {
            String m = method(versionUri(store, modelId, v));
            if (m != null && !m.equals(method)) {
                foreign.computeIfAbsent(m, k -> new ArrayList<>()).add(v);
            }
        }
        if (foreign.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        foreign.forEach((m, vs) -> parts.add((vs.size() == 1 ? "v" + vs.get(0)
                : vs.size() + " versions (v" + vs.get(0) + "..v" + vs.get(vs.size() - 1) + ")")
                + " of method " + m));
        return String.join(", ", parts);
    }

    /**
     * Keeps the newest {@code keep} versions and those in {@code pinned} (versions still serving) and
     * deletes the others; returns the numbers deleted. A version that cannot be deleted (a link, an I/O
     * error) is logged and kept.
     */
    public static List<Long> retain(String store, String modelId, int keep, Collection<Long> pinned)
            throws IOException {
        List<Long> all = versions(store, modelId);
        List<Long> deleted = new ArrayList<>();
        Path modelDir = modelDir(store, modelId);
        FileSystem fs = modelDir.getFileSystem();
        for (int i = 0; i < all.size() - keep; i++) {
            long v = all.get(i);
            if (pinned.contains(v)) {
                continue;
            }
            try {
                delete(fs, new Path(modelDir, "v" + v));
                deleted.add(v);
            } catch (IOException e) {
                if (NOT_DELETED.add(modelDir + "/v" + v)) { // once, not at every publish
                    LOG.warn("model store: version {} of {} not deleted (kept): {}", v, modelId, e.getMessage());
                }
            }
        }
        return deleted;
    }

    /**
     * Deletes the temporary directories of writes that never finished ({@code .v<N>-<uuid>} older than
     * {@code olderThan}: a crash between create and rename); returns how many.
     */
    public static int cleanStaleTemps(String store, String modelId, Duration olderThan) throws IOException {
        Path modelDir = modelDir(store, modelId);
        FileSystem fs = modelDir.getFileSystem();
        long before = System.currentTimeMillis() - olderThan.toMillis();
        int n = 0;
        for (FileStatus s : list(fs, modelDir)) {
            if (TEMP.matcher(s.getPath().getName()).matches() && s.getModificationTime() < before) {
                try {
                    delete(fs, new Path(modelDir, s.getPath().getName()));
                    n++;
                } catch (NoSuchFileException | FileNotFoundException gone) {
                    // another subtask cleaned it first
                } catch (IOException e) {
                    LOG.warn("model store: stale temporary folder {} of {} not deleted: {}", s.getPath().getName(),
                            modelId, e.getMessage());
                }
            }
        }
        return n;
    }

    private static Path modelDir(String store, String modelId) {
        return new Path(trim(store) + "/" + modelId);
    }

    private static String trim(String store) {
        String s = store;
        while (s.endsWith("/") && !s.endsWith("://")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static FileStatus[] list(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(dir)) {
            return new FileStatus[0];
        }
        FileStatus[] s = fs.listStatus(dir);
        return s == null ? new FileStatus[0] : s;
    }

    /**
     * The local path of a {@code file://} Flink path, or null for any other file system. By the file system's
     * scheme, not its class: inside a task Flink hands out the local one wrapped in its safety net.
     */
    private static java.nio.file.Path local(FileSystem fs, Path p) {
        return "file".equals(fs.getUri().getScheme()) ? java.nio.file.Path.of(p.toUri().getPath()) : null;
    }

    /**
     * Creates the folder of {@code uri} and its missing parents, owner-only (0700) on {@code file://}: for the
     * job's other local state too (the checkpoint folder), which Flink would create with the umask's bits.
     */
    public static void createPrivateDirectories(String uri) throws IOException {
        Path p = new Path(uri);
        mkdirs(p.getFileSystem(), p);
    }

    /** Creates {@code dir} and its missing parents; on {@code file://} each created one is 0700. */
    private static void mkdirs(FileSystem fs, Path dir) throws IOException {
        java.nio.file.Path p = local(fs, dir);
        if (p == null) {
            if (!fs.mkdirs(dir)) {
                throw new IOException("cannot create " + dir);
            }
            return;
        }
        List<java.nio.file.Path> missing = new ArrayList<>();
        for (java.nio.file.Path q = p.toAbsolutePath(); q != null && !Files.isDirectory(q); q = q.getParent()) {
            missing.add(0, q);
        }
        boolean posix = Files.getFileStore(existingAncestor(p)).supportsFileAttributeView("posix");
        for (java.nio.file.Path q : missing) {
            try {
                if (posix) {
                    Files.createDirectory(q, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                    Files.setPosixFilePermissions(q, OWNER_ONLY); // the umask may have taken bits away, never added
                } else {
                    Files.createDirectory(q);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(q)) { // a plain IOException: not a version taken by another writer
                    throw new IOException("cannot create model store folder " + q + ": a file of that name exists", e);
                }
            }
        }
    }

    private static java.nio.file.Path existingAncestor(java.nio.file.Path p) {
        java.nio.file.Path q = p.toAbsolutePath();
        while (q.getParent() != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q;
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        java.nio.file.Path src = local(fs, from);
        if (src == null) {
            if (fs.exists(to)) {
                throw new VersionTaken(to);
            }
            if (!fs.rename(from, to)) {
                throw new IOException("cannot publish model version " + to + " (rename from " + from + " failed)");
            }
            return;
        }
        // rename(2): fails on an existing non-empty directory, so a version that appeared meanwhile is kept
        try {
            Files.move(src, local(fs, to), StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.DirectoryNotEmptyException | FileAlreadyExistsException e) {
            throw new VersionTaken(to);
        }
    }

    /** Deletes a version or temporary directory; on {@code file://} without ever following a link. */
    private static void delete(FileSystem fs, Path p) throws IOException {
        java.nio.file.Path lp = local(fs, p);
        if (lp == null) {
            if (!fs.delete(p, true) && fs.exists(p)) {
                throw new IOException("cannot delete " + p);
            }
            return;
        }
        java.nio.file.Path parent = lp.getParent();
        if (Files.isSymbolicLink(parent)) { // <model-id> itself a link: its contents are not the store's to delete
            throw new IOException("refusing to delete " + lp + ": " + parent + " is a symbolic link");
        }
        try (DirectoryStream<java.nio.file.Path> ds = Files.newDirectoryStream(parent)) {
            if (ds instanceof SecureDirectoryStream<java.nio.file.Path> sds) {
                deleteEntry(sds, lp.getFileName(), true);
                return;
            }
        }
        deleteWithoutSecureStream(lp, true);
    }

    /** Deletes {@code name} relative to an open directory, so nothing swapped in meanwhile is followed. */
    private static void deleteEntry(SecureDirectoryStream<java.nio.file.Path> dir, java.nio.file.Path name, boolean top)
            throws IOException {
        BasicFileAttributes a = dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
        if (a.isSymbolicLink() && top) {
            throw new IOException("refusing to delete " + name + ": a symbolic link");
        }
        if (!a.isDirectory() || a.isSymbolicLink()) {
            dir.deleteFile(name); // a file, or a link inside a version: the link goes, its target stays
            return;
        }
        try (SecureDirectoryStream<java.nio.file.Path> sub = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            List<java.nio.file.Path> names = new ArrayList<>();
            for (java.nio.file.Path e : sub) {
                names.add(e.getFileName());
            }
            for (java.nio.file.Path e : names) {
                deleteEntry(sub, e, false);
            }
        }
        dir.deleteDirectory(name);
    }

    private static void deleteWithoutSecureStream(java.nio.file.Path p, boolean top) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink() && top) {
            throw new IOException("refusing to delete " + p + ": a symbolic link");
        }
        if (a.isDirectory() && !a.isSymbolicLink()) {
            List<java.nio.file.Path> children = new ArrayList<>();
            try (DirectoryStream<java.nio.file.Path> ds = Files.newDirectoryStream(p)) {
                ds.forEach(children::add);
            }
            for (java.nio.file.Path c : children) {
                deleteWithoutSecureStream(c, false);
            }
        }
        Files.delete(p);
    }
}
