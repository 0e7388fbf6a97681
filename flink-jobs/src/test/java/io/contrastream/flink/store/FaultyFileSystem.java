package io.contrastream.flink.store;

import java.io.IOException;
import java.net.URI;
import org.apache.flink.core.fs.BlockLocation;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

/**
 * A test file system, scheme {@code faulty://}, over the local one: while {@link #full} is set, creating
 * a file fails as a full disk does (directories still can be made), so a write fails midway.
 *
 * <pre>{@code
 * FaultyFileSystem.full = true;
 * ModelStore.write("faulty://" + dir, "m", 1, 1, 0.0, bytes, Map.of("method", "cpc"));   // IOException: No space left on device
 * }</pre>
 *
 * <p>Registered through {@code META-INF/services/org.apache.flink.core.fs.FileSystemFactory} (test resources).
 */
public final class FaultyFileSystem extends FileSystem {
    public static volatile boolean full;

    private final LocalFileSystem local = LocalFileSystem.getSharedInstance();

    /** The factory Flink finds on the test classpath. */
    public static final class Factory implements FileSystemFactory {
        @Override
        public String getScheme() {
            return "faulty";
        }

        @Override
        public FileSystem create(URI fsUri) {
            return new FaultyFileSystem();
        }
    }

    private static Path local(Path p) {
        return new Path("file", null, p.toUri().getPath());
    }

    @Override
    public Path getWorkingDirectory() {
        return local.getWorkingDirectory();
    }

    @Override
    public Path getHomeDirectory() {
        return local.getHomeDirectory();
    }

    @Override
    public URI getUri() {
        return URI.create("faulty:///");
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return local.getFileStatus(local(f));
    }

    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len) throws IOException {
        return local.getFileBlockLocations(file, start, len);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        return local.open(local(f), bufferSize);
    }

    @Override
    public FSDataInputStream open(Path f) throws IOException {
        return local.open(local(f));
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        return local.listStatus(local(f));
    }

    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        return local.delete(local(f), recursive);
    }

    @Override
    public boolean mkdirs(Path f) throws IOException {
        return local.mkdirs(local(f));
    }

    @Override
    public FSDataOutputStream create(Path f, WriteMode overwriteMode) throws IOException {
        if (full) {
            throw new IOException("No space left on device: " + f);
        }
        return local.create(local(f), overwriteMode);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        return local.rename(local(src), local(dst));
    }

    @Override
    public boolean isDistributedFS() {
        return false;
    }
}
