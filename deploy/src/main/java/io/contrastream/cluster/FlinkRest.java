package io.contrastream.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.rest.FileUpload;
import org.apache.flink.runtime.rest.RestClient;
import org.apache.flink.runtime.rest.messages.DashboardConfigurationHeaders;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.util.RestMapperUtils;
import org.apache.flink.runtime.webmonitor.handlers.JarRunHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarRunMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarRunRequestBody;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadHeaders;

/**
 * The calls of Flink's REST API that deploy and operate the job — upload and run a jar, job state,
 * checkpoint statistics, stop with a savepoint, cancel, cluster overview — through Flink's own clients
 * ({@link RestClusterClient}, and its {@link RestClient} for the jar handlers), so TLS and mutual TLS
 * come from the same {@code security.ssl.rest.*} settings the cluster reads.
 *
 * <pre>{@code
 * try (FlinkRest rest = new FlinkRest("https://flink:8081", GlobalConfiguration.loadConfiguration("conf"))) {
 *     String job = rest.runJar(rest.uploadJar(Path.of("deploy/target/contrastream-job.jar")),
 *             "io.contrastream.flink.job.PretrainJobMain", List.of("--lr", "0.03"), null);
 *     String savepoint = rest.stopWithSavepoint(job, null, Duration.ofMinutes(2));
 * }
 * }</pre>
 */
public final class FlinkRest implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL = Duration.ofSeconds(120);
    private final String address;
    private final String host;
    private final int port;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "flink-rest-client");
        t.setDaemon(true);
        return t;
    });
    private final RestClusterClient<StandaloneClusterId> client;
    private final RestClient jars;

    /** A client for {@code http://host:port} without TLS. */
    public FlinkRest(String address) {
        this(address, new Configuration());
    }

    /**
     * A client for {@code address} ({@code http://} or {@code https://}) with the {@code security.ssl.rest.*}
     * settings of {@code settings} (an {@code https} address turns REST TLS on).
     *
     * @throws IllegalArgumentException for a malformed address or unusable TLS settings (a keystore that cannot be
     *     read, a wrong password), naming the fix
     */
    public FlinkRest(String address, Configuration settings) {
        this.address = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
        URI uri = URI.create(this.address);
        if (uri.getHost() == null || uri.getPort() < 0 || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("REST address '" + address + "': use http://HOST:PORT or https://HOST:PORT");
        }
        this.host = uri.getHost();
        this.port = uri.getPort();
        Configuration conf = new Configuration(settings);
        conf.set(RestOptions.ADDRESS, host);
        conf.set(RestOptions.PORT, port);
        if (uri.getScheme().equals("https")) {
            conf.set(SecurityOptions.SSL_REST_ENABLED, true);
        }
        // fail fast and let the callers' own loops wait (Flink's default retries a dead address for a minute)
        conf.set(RestOptions.RETRY_MAX_ATTEMPTS, 1);
        conf.set(RestOptions.RETRY_DELAY, Duration.ofMillis(250));
        try {
            this.client = new RestClusterClient<>(conf, StandaloneClusterId.getInstance());
            this.jars = new RestClient(conf, executor);
        } catch (Exception e) {
            executor.shutdownNow();
            throw new IllegalArgumentException("cannot create a REST client for " + address + ": " + rootMessage(e)
                    + " (check the security.ssl.rest.* settings: keystore/truststore paths and passwords)", e);
        }
    }

    public String address() {
        return address;
    }

    /** The cluster overview: taskmanagers, slots-total, slots-available, jobs-running, flink-version. */
    public JsonNode overview() throws IOException, InterruptedException {
        return json(await(client.getClusterOverview(), "GET /overview"));
    }

    /** Whether the cluster accepts jars over REST ({@code web.submit.enable}). */
    public boolean webSubmitEnabled() throws IOException, InterruptedException {
        return await(client.sendRequest(DashboardConfigurationHeaders.getInstance(), EmptyMessageParameters.getInstance(),
                EmptyRequestBody.getInstance()), "GET /config").getFeatures().isWebSubmitEnabled();
    }

    /** Every job the cluster knows, running or not. */
    public Collection<JobStatusMessage> jobs() throws IOException, InterruptedException {
        return await(client.listJobs(), "GET /jobs/overview");
    }

    /** Uploads a jar, returns its id on the cluster. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String file = await(jars.sendRequest(host, port, JarUploadHeaders.getInstance(), EmptyMessageParameters.getInstance(),
                EmptyRequestBody.getInstance(), List.of(new FileUpload(jar, "application/x-java-archive"))),
                "POST /jars/upload").getFilename();
        return Path.of(file).getFileName().toString();
    }

    /**
     * Runs an uploaded jar's main class (the JobManager builds the job graph) and returns the job id.
     *
     * @param savepoint a savepoint or retained checkpoint to start from, or null
     */
    public String runJar(String jarId, String entryClass, List<String> args, String savepoint)
            throws IOException, InterruptedException {
        JarRunMessageParameters p = JarRunHeaders.getInstance().getUnresolvedMessageParameters();
        p.jarIdPathParameter.resolve(jarId);
        JarRunRequestBody body = new JarRunRequestBody(entryClass, args, null, null, savepoint == null ? null : false,
                savepoint, null, null);
        return await(jars.sendRequest(host, port, JarRunHeaders.getInstance(), p, body), "POST /jars/" + jarId + "/run")
                .getJobId().toHexString();
    }

    /** The job's state: CREATED, RUNNING, RESTARTING, FAILED, CANCELED, FINISHED, ... */
    public String jobState(String jobId) throws IOException, InterruptedException {
        JobStatus s = await(client.getJobStatus(JobID.fromHexString(jobId)), "GET /jobs/" + jobId);
        return s.name();
    }

    /** Whether the job runs with every task of every vertex RUNNING (not only scheduled). */
    public boolean fullyRunning(String jobId) throws IOException, InterruptedException {
        JobDetailsInfo job = await(client.getJobDetails(JobID.fromHexString(jobId)), "GET /jobs/" + jobId);
        if (job.getJobStatus() != JobStatus.RUNNING) {
            return false;
        }
        for (JobDetailsInfo.JobVertexDetailsInfo v : job.getJobVertexInfos()) {
            if (v.getTasksPerState().getOrDefault(ExecutionState.RUNNING, 0) != v.getParallelism()) {
                return false;
            }
        }
        return true;
    }

    /** Checkpoint statistics: counts.completed, counts.restored, latest.completed, latest.restored, ... */
    public JsonNode checkpoints(String jobId) throws IOException, InterruptedException {
        JobMessageParameters p = new JobMessageParameters();
        p.jobPathParameter.resolve(JobID.fromHexString(jobId));
        return json(await(client.sendRequest(CheckpointingStatisticsHeaders.getInstance(), p,
                EmptyRequestBody.getInstance()), "GET /jobs/" + jobId + "/checkpoints"));
    }

    /** Stops the job with a savepoint (into {@code dir}, or the cluster's default) and returns its path. */
    public String stopWithSavepoint(String jobId, String dir, Duration timeout) throws IOException, InterruptedException {
        CompletableFuture<String> f = client.stopWithSavepoint(JobID.fromHexString(jobId), false, dir,
                SavepointFormatType.CANONICAL);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the savepoint of job " + jobId + " did not complete within " + timeout);
        } catch (ExecutionException e) {
            throw new IOException("stop with savepoint failed: " + rootMessage(e), e);
        }
    }

    public void cancel(String jobId) throws IOException, InterruptedException {
        await(client.cancel(JobID.fromHexString(jobId)), "PATCH /jobs/" + jobId);
    }

    /** Waits until the REST endpoint answers. */
    public void awaitUp(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                overview();
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(250);
            }
        }
        throw new IOException("Flink's REST API at " + address + " did not answer within " + timeout
                + (last == null ? "" : ": " + last.getMessage()));
    }

    /** Waits until at least {@code n} TaskManagers are registered and have reported their slots. */
    public void awaitTaskManagers(int n, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (JsonNode o = overview(); o.path("taskmanagers").asInt() < n || o.path("slots-total").asInt() < n;
                o = overview()) {
            if (System.nanoTime() > deadline) {
                throw new IOException(n + " TaskManagers did not register within " + timeout + " (see the cluster's log/)");
            }
            Thread.sleep(250);
        }
    }

    @Override
    public void close() {
        client.close();
        jars.shutdown(Duration.ofSeconds(5));
        executor.shutdownNow();
    }

    private <T> T await(CompletableFuture<T> f, String what) throws IOException, InterruptedException {
        try {
            return f.get(CALL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IOException("Flink REST " + what + " at " + address + ": no answer within " + CALL);
        } catch (ExecutionException e) {
            throw new IOException("Flink REST " + what + " at " + address + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    /** A REST response as the JSON the REST API returns (Flink's REST mapper, read back with ours). */
    private static JsonNode json(Object body) throws IOException {
        return JSON.readTree(RestMapperUtils.getStrictObjectMapper().writeValueAsString(body));
    }
}
