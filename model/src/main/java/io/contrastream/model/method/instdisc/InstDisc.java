package io.contrastream.model.method.instdisc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.InfoNceLoss;
import io.contrastream.model.loss.NceLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * InstDisc (Wu et al., CVPR 2018, arXiv:1805.01978): every instance is its own class; a memory
 * bank keeps one normalised 128-d vector per instance; NCE with m noise vectors drawn uniformly
 * from the bank; a proximal term; the bank entry moves towards the new feature after each step.
 *
 * <pre>{@code
 * InstDisc r = new InstDisc(InstDisc.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * r.useBank(stateBackedBank);   // optional: the streaming trainer keeps the bank in RocksDB
 * StepResult s = r.step(batch); // view 0 of each record; record ids name the instances
 * }</pre>
 *
 * <p>One step: v = normalise(g(f(x))) (N x 128); vᵢ = the bank's memory of each record's id (a
 * first sighting takes the next ring slot and a random unit vector seeded by the id as its memory, as
 * the paper's randomly initialised bank); m noise memories shared by
 * the batch; L = NCE(v, vᵢ, noise; τ, Z) + λ·mean‖v − vᵢ‖² (the proximal term, sec. 3.4); Z is
 * estimated by Monte Carlo at the first step and kept fixed, as in the paper; after the update,
 * vᵢ ← normalise(μ·vᵢ + (1 − μ)·v) with μ = 0.5. The bank is bounded (see {@link MemoryBank}):
 * in a stream an instance evicted before it recurs is a new instance when it does. Noise vectors
 * are shared by the batch (m x d instead of N x m x d per-sample draws; the estimator is the same).
 * The second view of each record is not used. With {@code instdisc-loss=softmax} the NCE term is
 * replaced by the non-parametric softmax itself (eq. 2) estimated over the same m sampled memories,
 * i.e. {@link InfoNceLoss} of v against its memory and the noise memories (the memory-bank form MoCo
 * compares against); the proximal term and the bank update stay.
 */
public final class InstDisc extends AbstractRecipe {
    /** Wu et al. 2018. */
    public static final MethodSpec SPEC = MethodSpec.builder("instdisc", InstDisc::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, List.of(RecipeParams.TEMPERATURE, RecipeParams.BANK_SIZE,
                    RecipeParams.NCE_NEGATIVES, RecipeParams.PROXIMAL, RecipeParams.INSTDISC_LOSS,
                    RecipeParams.BANK_MOMENTUM))
            // Wu et al. 2018: tau 0.07, 128-d linear embedding, m 4096, SGD lr 0.03 wd 5e-4,
            // bank momentum 0.5, proximal lambda 30; bank 65,536 instances (Fashion-MNIST's 60,000 fit)
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.07).set(RecipeParams.PROJ_LAYERS, 1)
                    .set(RecipeParams.PROJ_BN, false).set(OptimizerParams.LR, 0.03).set(OptimizerParams.WEIGHT_DECAY, 5e-4)
                    .set(RecipeParams.NCE_NEGATIVES, 4096).set(RecipeParams.BANK_SIZE, 65536))
            // MoCo v1 took InstDisc's augmentation as it was
            .augmentation((p, enc) -> Augmentations.mocoV1(enc.inputSize(), enc.inChannels() == 1))
            .build();

    private final Block net; // f then g
    private final NceLoss loss;
    private final InfoNceLoss softmax; // null: NCE
    private final int noiseSamples;
    private final float proximal;
    private final float bankMomentum;
    private MemoryBank bank;
    private float normaliser = Float.NaN;
    private long noiseSeed;
    private long[] pendingIds;
    private float[][] pendingRows;
    private float pendingNormaliser;

    public InstDisc(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public InstDisc(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        int dim = params.get(RecipeParams.PROJ_DIM);
        this.net = withEncoder(registerHead(projector(enc.outDim())));
        int capacity = params.get(RecipeParams.BANK_SIZE);
        this.bank = new InMemoryBank(capacity, dim, params.get(RecipeParams.SEED));
        this.noiseSeed = params.get(RecipeParams.SEED);
        this.noiseSamples = params.get(RecipeParams.NCE_NEGATIVES);
        this.proximal = params.get(RecipeParams.PROXIMAL).floatValue();
        this.bankMomentum = params.get(RecipeParams.BANK_MOMENTUM).floatValue();
        this.loss = new NceLoss(params.get(RecipeParams.TEMPERATURE).floatValue(), capacity);
        this.softmax = params.get(RecipeParams.INSTDISC_LOSS).equals("softmax")
                ? new InfoNceLoss(params.get(RecipeParams.TEMPERATURE).floatValue()) : null;
        initOptimizer();
    }

    /** Replaces the bank (same capacity and dimension), e.g. by one kept in keyed state. */
    public void useBank(MemoryBank other) {
        if (other.capacity() != bank.capacity() || other.dim() != bank.dim()) {
            throw new IllegalArgumentException("bank of " + other.capacity() + " x " + other.dim() + ", recipe needs "
                    + bank.capacity() + " x " + bank.dim() + " (bank-size, proj-dim)");
        }
        this.bank = other;
    }

    public MemoryBank bank() {
        return bank;
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        int n = batch.size();
        int d = bank.dim();
        NDArray v = forward(net, sm, batch.view(sm, 0), true).normalize(2, 1, 1e-12); // v: N x d
        float[] current = v.toFloatArray();
        float[] pos = new float[n * d];
        float[][] old = new float[n][];
        for (int i = 0; i < n; i++) { // nothing in the bank changes before the update is known to be finite
            int slot = bank.find(batch.recordIds()[i]);
            old[i] = slot >= 0 ? bank.row(slot) : bank.initialMemory(batch.recordIds()[i]);
            System.arraycopy(old[i], 0, pos, i * d, d);
        }
        // noise drawn from (seed, step): a skipped step leaves no trace in any random stream
        int[] noiseSlots = bank.sample(noiseSamples, io.contrastream.model.util.Rng.of(noiseSeed, 0x4E43, stepCount()));
        float[] noiseRows = new float[noiseSamples * d];
        for (int j = 0; j < noiseSamples; j++) {
            System.arraycopy(bank.row(noiseSlots[j]), 0, noiseRows, j * d, d);
        }
        NDArray positives = sm.create(pos, new Shape(n, d)); // positives: N x d
        NDArray noise = sm.create(noiseRows, new Shape(noiseSamples, d)); // noise: m x d
        NDArray diff = v.sub(positives); // diff: N x d
        NDArray prox = diff.mul(diff).sum(new int[] {1}).mean().mul(sm.create(proximal)); // scalar
        pendingIds = batch.recordIds().clone();
        pendingRows = blend(old, current, d);
        if (softmax != null) { // eq. 2 over the sampled memories: logits N x (1 + m), no normaliser
            pendingNormaliser = normaliser;
            return softmax.compute(v, positives, noise).add(prox);
        }
        float z = Float.isNaN(normaliser) ? loss.estimateNormaliser(v, noise) : normaliser;
        pendingNormaliser = z;
        return loss.compute(v, positives, noise, z).add(prox);
    }

    /** v = normalise(g(f(x))), the 128-d feature the paper's weighted kNN classifies with (sec. 3.4): N x d. */
    @Override
    public float[][] embedHead(float[] images, int n) {
        try (NDManager sm = manager.newSubManager()) {
            return rows(noGrad(() -> forward(net, sm, sm.create(images, imageShape(n)), false).normalize(2, 1, 1e-12)));
        }
    }

    /** vᵢ ← normalise(μ·vᵢ + (1 − μ)·v), the bank update of sec. 3.2. */
    private float[][] blend(float[][] old, float[] current, int d) {
        float[][] out = new float[old.length][d];
        for (int i = 0; i < old.length; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                float x = bankMomentum * old[i][j] + (1 - bankMomentum) * current[i * d + j];
                out[i][j] = x;
                norm += (double) x * x;
            }
            float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
            for (int j = 0; j < d; j++) {
                out[i][j] *= inv;
            }
        }
        return out;
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        for (int i = 0; i < pendingIds.length; i++) {
            bank.setRow(bank.slotFor(pendingIds[i]), pendingRows[i]);
        }
        normaliser = pendingNormaliser;
        pendingIds = null;
        pendingRows = null;
    }

    @Override
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {
        out.writeFloat(normaliser);
        out.writeLong(noiseSeed);
        if (withQueue && bank instanceof InMemoryBank b) {
            b.write(out);
        }
    }

    @Override
    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {
        normaliser = in.readFloat();
        noiseSeed = in.readLong();
        if (withQueue && bank instanceof InMemoryBank b) {
            b.read(in);
        }
    }
}
