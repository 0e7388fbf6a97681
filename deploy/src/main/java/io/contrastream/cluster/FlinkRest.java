package io.contrastream.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The few calls of Flink's REST API that deploy and operate the job: upload and run a jar, job
 * state, checkpoint statistics, stop with a savepoint, cancel, cluster overview.
 *
 * <pre>{@code
 * FlinkRest rest = new FlinkRest("http://127.0.0.1:8081");
 * String jar = rest.uploadJar(Path.of("deploy/target/contrastream-job.jar"));
 * String job = rest.runJar(jar, "io.contrastream.flink.job.PretrainJobMain", List.of("--batch", "128"), null);
 * String savepoint = rest.stopWithSavepoint(job, null, Duration.ofMinutes(2));
 * }</pre>
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    public String address() {
        return base;
    }

    /** GET a path, parsed; fails on any status other than 200. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** The cluster overview: taskmanagers, slots-total, slots-available, jobs-running, flink-version. */
    public JsonNode overview() throws IOException, InterruptedException {
        return get("/overview");
    }

    /** Uploads a jar, returns its id on the cluster. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "contrastream-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode r = send(HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = r.path("filename").asText();
        return Path.of(file).getFileName().toString();
    }

    /**
     * Runs an uploaded jar's main class (the JobManager builds the job graph) and returns the job id.
     *
     * @param savepoint a savepoint or retained checkpoint to start from, or null
     */
    public String runJar(String jarId, String entryClass, List<String> args, String savepoint)
            throws IOException, InterruptedException {
        ObjectNode req = JSON.createObjectNode().put("entryClass", entryClass);
        args.forEach(req.putArray("programArgsList")::add);
        if (savepoint != null) {
            req.put("savepointPath", savepoint).put("allowNonRestoredState", false);
        }
        JsonNode r = send(HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))));
        return r.path("jobid").asText();
    }

    /** The job's state: CREATED, RUNNING, RESTARTING, FAILED, CANCELED, FINISHED, ... */
    public String jobState(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Whether the job runs with every task of every vertex RUNNING (not only scheduled). */
    public boolean fullyRunning(String jobId) throws IOException, InterruptedException {
        JsonNode job = get("/jobs/" + jobId);
        if (!job.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            int running = v.path("tasks").path("RUNNING").asInt();
            if (running != v.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /** Checkpoint statistics: counts.completed, counts.restored, latest.completed, latest.restored, ... */
    public JsonNode checkpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    /** Stops the job with a savepoint (into {@code dir}, or the cluster's default) and returns its path. */
    public String stopWithSavepoint(String jobId, String dir, Duration timeout) throws IOException, InterruptedException {
        ObjectNode req = JSON.createObjectNode().put("drain", false);
        if (dir != null) {
            req.put("targetDirectory", dir);
        }
        String trigger = send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "/stop"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req)))).path("request-id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if (s.path("status").path("id").asText().equals("COMPLETED")) {
                JsonNode op = s.path("operation");
                if (op.has("failure-cause")) {
                    throw new IOException("stop with savepoint failed: " + op.path("failure-cause").path("stack-trace")
                            .asText().lines().findFirst().orElse("?"));
                }
                return op.path("location").asText();
            }
            Thread.sleep(250);
        }
        throw new IOException("the savepoint of job " + jobId + " did not complete within " + timeout);
    }

    public void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
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
        throw new IOException("Flink's REST API at " + base + " did not answer within " + timeout
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

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("Flink REST " + r.request().method() + " " + r.request().uri() + " answered "
                    + r.statusCode() + ": " + r.body());
        }
        return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }
}
