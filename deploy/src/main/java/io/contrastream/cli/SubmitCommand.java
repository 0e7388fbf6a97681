package io.contrastream.cli;

import io.contrastream.cluster.ClusterLayout;
import io.contrastream.cluster.FlinkRest;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream submit}: uploads the job jar to any Flink cluster's REST address and starts the
 * job with the given settings, optionally from a savepoint.
 *
 * <pre>{@code
 * contrastream submit --config job.yaml --set lr=0.03
 * contrastream submit --rest http://flink:8081 --config job.yaml --from-savepoint file:///ckpt/savepoint-ab12
 * }</pre>
 *
 * <p>The settings are checked here, then sent as program arguments ({@code --KEY VALUE}), so the
 * JobManager needs no copy of the file. Program arguments travel in the REST request and sit in the
 * cluster's job submission, so a secret ({@link JobConfig#isSecret}: JAAS config, passwords, keys,
 * tokens) is refused unless it is only a reference that the Kafka client resolves on the cluster
 * itself, from the environment or a mounted file:
 *
 * <pre>{@code
 * kafka.config.providers: env
 * kafka.config.providers.env.class: org.apache.kafka.common.config.provider.EnvVarConfigProvider
 * kafka.sasl.jaas.config: ${env:KAFKA_JAAS}     # KAFKA_JAAS set in the JobManager's and TaskManagers' environment
 * }</pre>
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submit the pretraining job to a Flink cluster through its REST API.",
                "Settings travel as program arguments, so a secret (kafka.sasl.jaas.config, passwords, keys, tokens) is"
                        + " refused unless it is a Kafka config provider reference resolved on the cluster, e.g."
                        + " kafka.config.providers: env, kafka.config.providers.env.class:"
                        + " org.apache.kafka.common.config.provider.EnvVarConfigProvider, kafka.sasl.jaas.config:"
                        // $$ escapes picocli's own ${env:...} interpolation, which would print the variable's value
                        + " $${env:KAFKA_JAAS} (or DirectoryConfigProvider: $${dir:/etc/contrastream/kafka-user:sasl.jaas.config})."})
final class SubmitCommand implements Callable<Integer> {
    static final String ENTRY_CLASS = "io.contrastream.flink.job.PretrainJobMain";

    @Option(names = "--rest", defaultValue = "http://127.0.0.1:8081", description = "the cluster's REST address"
            + " (default: http://127.0.0.1:8081)")
    String rest;

    @Option(names = "--config", description = "YAML file of job and recipe settings")
    Path config;

    @Option(names = "--set", description = "setting KEY=VALUE (repeatable; wins over the file)", mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--from-savepoint", description = "start from this savepoint (or retained checkpoint)")
    String savepoint;

    @Option(names = "--jar", description = "the job jar (default: DIST/contrastream-job.jar)")
    Path jar;

    @Option(names = "--flink-conf", description = "a Flink config.yaml (or its folder) with the security.ssl.rest.*"
            + " settings of a cluster whose REST speaks TLS (default: $FLINK_CONF_DIR when set)")
    Path flinkConf;

    /** A config provider reference, {@code ${provider:[path:]key}}, as Kafka's ConfigTransformer matches it. */
    static final Pattern REFERENCE = Pattern.compile("\\$\\{[^}]*?:[^}]*\\}");
    /** A JAAS option that carries a secret: {@code password="..."}, {@code clientSecret="..."}, ... */
    private static final Pattern JAAS_SECRET = Pattern.compile(
            "(?i)\\b[\\w.]*(password|secret|token|credential)[\\w.]*\\s*=\\s*(\"[^\"]*\"|[^\\s;\"]+)");

    @Override
    public Integer call() throws Exception {
        JobConfig cfg = JobConfig.load(config, overrides);
        cfg.recipeParams(); // every key checked before anything is sent
        List<String> inline = inlineSecrets(cfg);
        if (!inline.isEmpty()) {
            System.err.println("submit: refused: " + inline + " would be sent as a program argument, which anyone who"
                    + " can reach the cluster's REST API or read its submission sees. Pass the secret by reference and let"
                    + " the Kafka client resolve it on the cluster: kafka.config.providers: env,"
                    + " kafka.config.providers.env.class: org.apache.kafka.common.config.provider.EnvVarConfigProvider,"
                    + " then e.g. kafka.sasl.jaas.config: ${env:KAFKA_JAAS} with KAFKA_JAAS in the JobManager's and"
                    + " TaskManagers' environment; or from a mounted file: kafka.config.providers: dir,"
                    + " kafka.config.providers.dir.class: org.apache.kafka.common.config.provider.DirectoryConfigProvider,"
                    + " kafka.sasl.jaas.config: ${dir:/etc/contrastream/kafka-user:sasl.jaas.config}.");
            return 2;
        }
        Path jobJar = jar != null ? jar : ClusterLayout.of(ClusterLayout.defaultDistribution(), Path.of(".")).jobJar();
        FlinkRest r = new FlinkRest(rest, restSettings(flinkConf));
        if (!r.webSubmitEnabled()) {
            System.err.println("submit: the cluster at " + rest + " has jar submission off (web.submit.enable: false):"
                    + " start it with it on (`contrastream cluster start` does unless --no-web-submit) or submit with"
                    + " Flink's own client");
            return 2;
        }
        String jarId = r.uploadJar(jobJar);
        String job = r.runJar(jarId, ENTRY_CLASS, programArgs(cfg), savepoint);
        System.out.println("submit: job " + job + " (" + cfg.method() + ", model " + cfg.get(JobParams.MODEL_ID) + ")"
                + (savepoint == null ? "" : " from " + savepoint) + " on " + rest);
        return 0;
    }

    /**
     * The {@code security.ssl.rest.*} settings of a Flink configuration file or folder ({@code null}: the folder
     * {@code FLINK_CONF_DIR} names, when set), for a client of a cluster whose REST speaks TLS; passwords stay in
     * the file, never on the command line.
     */
    static org.apache.flink.configuration.Configuration restSettings(Path flinkConf) {
        Path at = flinkConf;
        if (at == null && System.getenv("FLINK_CONF_DIR") != null) {
            at = Path.of(System.getenv("FLINK_CONF_DIR"));
        }
        if (at == null) {
            return new org.apache.flink.configuration.Configuration();
        }
        Path dir = java.nio.file.Files.isDirectory(at) ? at : at.toAbsolutePath().getParent();
        if (!java.nio.file.Files.isDirectory(at) && !at.getFileName().toString().equals("config.yaml")) {
            throw new IllegalArgumentException("--flink-conf " + at + ": give a folder with config.yaml, or the file"
                    + " config.yaml itself");
        }
        return org.apache.flink.configuration.Configuration.fromMap(io.contrastream.cluster.ClusterConfig.restSecurity(
                org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(dir.toString()).toMap()));
    }

    /**
     * The secret keys whose values hold more than config provider references (for a JAAS config: an option such
     * as {@code password="..."} with a literal value); their values never appear in what this returns.
     */
    static List<String> inlineSecrets(JobConfig cfg) {
        List<String> keys = new ArrayList<>();
        cfg.asMap().forEach((k, v) -> {
            if (JobConfig.isSecret(k) && !onlyReferences(k, v)) {
                keys.add(k);
            }
        });
        keys.sort(null);
        return keys;
    }

    private static boolean onlyReferences(String key, String value) {
        String literal = REFERENCE.matcher(value).replaceAll("");
        if (!key.toLowerCase(java.util.Locale.ROOT).contains("jaas")) {
            return literal.isBlank();
        }
        // a JAAS config names a login module and options: the module and a user name are no secret, but every
        // password-like option must be a reference (then it is left as "" here)
        Matcher m = JAAS_SECRET.matcher(literal);
        while (m.find()) {
            String v = m.group(2);
            if (!(v.equals("\"\"") || v.isEmpty())) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code --KEY VALUE} for every setting given explicitly; refuses a secret that is not a config provider
     * reference (see {@link #inlineSecrets}), naming the key but never its value.
     */
    static List<String> programArgs(JobConfig cfg) {
        List<String> inline = inlineSecrets(cfg);
        if (!inline.isEmpty()) {
            throw new IllegalArgumentException("secrets must not be program arguments: " + inline
                    + " (pass them as ${env:VAR} / ${dir:DIR:FILE} references, see contrastream submit --help)");
        }
        List<String> args = new ArrayList<>();
        cfg.asMap().forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }
}
