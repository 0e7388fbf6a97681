package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcRecipeTest;
import io.contrastream.model.method.registry.Recipes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Savepoints stay readable across the registry redesign: the state every recipe exports after two
 * seeded steps is byte for byte the one the build before it (commit 71eff99) exported, CPC's
 * included, so a state of that build imports into this one as this build's own does.
 */
class StateCompatibilityTest {
    /** case=SHA-256 of exportState() after steps 0 and 1 of {@link RecipeStateTest#small}, recorded at 71eff99. */
    private static final List<String> GOLDEN = List.of(
            "instdisc=7386e6e245b60e8e5ba863b57f67899a49c686280a938197942798fc4a9fd1f1",
            "invaspread=3b876abfc7eb6971e0d8c8d9406254f2c7fd5ef55159b9cf1f2ae2924a6eac82",
            "moco-v1=ba952fe10cb2e7db2682d6089abafc2344530353303bd82d1f32c34e8b9cd106",
            "moco-v2=c27f8ed25ce9725f26f1e56db4fd1f174950bb8b41cdde9676eac0a0e94bfd81",
            "simclr=67ccd877c007349c799170b84ea35067a6cf779536665d84d41c970d44ab30eb",
            "byol=bc2f18020f9824715cee228e2b171115744b3a3fc1ac66ff5d0c8b06de0e97ee",
            "simsiam=fd1a6164a04ba4cb39bcc3e82bd5c8603fb4b1b2d46fd4843d78bc701b2d916e",
            "simclr-v2=94b67e8b6e36bd7e9ba61cbe246313bdf8af07ba982e81957abc1dcc18a7d252",
            "moco-v3=8f3a307bfd056c1c4091cb61183d82c5366b7c532f62b912d744309d5480df89",
            "dino=0844b8f3d3529adbd4dd7a0e2d41a6e2056a24618099daf98318a764d6f9f69d",
            "swav=7b6660879671b8f857cd8bb30eaebfdd4943cc1e2c49705f85a20a7f20437684",
            "cmc=f40022e0777d5b7141cdec9244f09435dc2c637d1826e0422edb6e62913c7533",
            "byol:mlp-norm=gn-ws=db2a13e457af9320005f6b49bc4e2f011def529eb2f6cd8da6c5f98ac6ca99c1",
            "byol:mlp-norm=none=c43c4fd095324c3e33f3ae396b20feb3a614362a54fc1922651180c0e864706f",
            "simclr-v2:use-momentum-encoder=true=65ff8ef714872ba35a2259abe90cfd29cb77ac5b766d1300571662f2c31d4af7",
            "moco-v3@vit-tiny-frozen=23254894cb7c4c88a027619a61664d62cbb4e1d45e2010460e01d517bfc92e85",
            "moco-v3@vit-tiny=c082eb5a0eaedc2760776ce82c6e2edd1d746144fb8a9f8f18a4756eb36c5c75",
            "dino@vit-tiny=5224d72d6e1de814fb52411f0943418389b835b66667e41f7a438a1da5a52b73",
            "swav:swav-queue=16=d8c05916e2d9c6086269ca89a4b75be2a4e137c6fc1853f485df096de4dbb4cf",
            "swav:freeze-prototypes-steps=2=7b6660879671b8f857cd8bb30eaebfdd4943cc1e2c49705f85a20a7f20437684",
            "cmc:cmc-graph=core=f40022e0777d5b7141cdec9244f09435dc2c637d1826e0422edb6e62913c7533",
            "instdisc:instdisc-loss=softmax=372b149a867835005a4d916d5fc7a6444269fee1806a8cec39fa3c4bb4795796",
            "swav:local-crops=0=04db9d162986baeeaa415f59815d0ba4042974407ce2b276fcc8a5462924c7d6",
            "dino:local-crops=0=bed576d32cccd55426ddf6c3c76d7958b4c1c4f9801fb1d45b0747ab78429441");
    /** CPC as {@link GoldenTrajectoryTest#cpcTrajectory()} configures it, after 2 steps, recorded at 71eff99. */
    private static final String CPC = "9e42c4d2cb0b9362cf7484c4f040dd10cd4f1109a004f64cd3fd754f7e0d79bf";

    @Test
    void everyImageRecipeExportsTheEarlierBuildsBytes() throws Exception {
        assertThat(GOLDEN).hasSameSizeAs(RecipeStateTest.cases());
        for (String line : GOLDEN) {
            int at = line.lastIndexOf('=');
            String testCase = line.substring(0, at);
            try (AbstractRecipe r = Recipes.create(RecipeStateTest.method(testCase), RecipeStateTest.small(testCase),
                    RecipeStateTest.encoder(testCase))) {
                for (int s = 0; s < 2; s++) {
                    r.step(TestBatches.batch(r, 8, s));
                }
                assertThat(sha256(r.exportState())).as(testCase).isEqualTo(line.substring(at + 1));
            }
        }
    }

    @Test
    void cpcExportsTheEarlierBuildsBytes() throws Exception {
        try (Cpc r = new Cpc(CpcRecipeTest.small())) {
            for (int s = 0; s < 2; s++) {
                r.step(CpcRecipeTest.tones(s, 4, CpcRecipeTest.SHORT));
            }
            assertThat(sha256(r.exportState())).isEqualTo(CPC);
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
