package io.contrastream.cluster;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a session cluster's pieces live: the distribution (the parent classpath {@code cluster-lib/}
 * and the job jar {@code contrastream-job.jar}, both assembled by {@code mvn package} in
 * {@code deploy/target}) and the cluster's home (its {@code conf/}, {@code log/}, process ids,
 * checkpoints and savepoints).
 *
 * <pre>{@code
 * ClusterLayout l = ClusterLayout.of(ClusterLayout.defaultDistribution(), Path.of("deploy/target/cluster"));
 * Path jar = l.jobJar();
 * }</pre>
 *
 * @param distribution folder holding {@code cluster-lib/} and {@code contrastream-job.jar}
 * @param home the cluster's own folder
 */
public record ClusterLayout(Path distribution, Path home) {
    public static ClusterLayout of(Path distribution, Path home) {
        return new ClusterLayout(distribution.toAbsolutePath().normalize(), home.toAbsolutePath().normalize());
    }

    /**
     * The distribution this code runs from: {@code CONTRASTREAM_HOME} when set, else the folder of the
     * jar (or classes folder) holding this class — {@code deploy/target} in a build tree.
     */
    public static Path defaultDistribution() {
        String env = System.getenv("CONTRASTREAM_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        try {
            Path here = Path.of(ClusterLayout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return here.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the contrastream distribution: " + e.getMessage(), e);
        }
    }

    public Path lib() {
        return distribution.resolve("cluster-lib");
    }

    public Path jobJar() {
        return distribution.resolve("contrastream-job.jar");
    }

    public Path conf() {
        return home.resolve("conf");
    }

    public Path logs() {
        return home.resolve("log");
    }

    public Path pids() {
        return home.resolve("pid");
    }

    public Path checkpoints() {
        return home.resolve("checkpoints");
    }

    public Path savepoints() {
        return home.resolve("savepoints");
    }

    /** Fails with the command that builds them when the parent classpath or the job jar is missing. */
    public void requireBuilt() throws IOException {
        if (!Files.isDirectory(lib()) || !Files.isRegularFile(jobJar())) {
            throw new IOException("no cluster build in " + distribution + " (cluster-lib/ and contrastream-job.jar):"
                    + " run `mvn -DskipTests install` in the project root first");
        }
    }
}
