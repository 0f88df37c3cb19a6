import { z } from "zod";
import { TRPCError } from "@trpc/server";
import { endSession, loginWithPassword } from "../../auth/sessions";
import { LoginThrottledError, loginThrottleFor } from "../../auth/login-throttle";
import { translate } from "../../i18n/translate";
import { allowedFor, publicProcedure, router } from "../trpc";

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ email: z.email().max(200), password: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      let finish: (succeeded: boolean) => void;
      try {
        finish = loginThrottleFor(ctx.app.env).begin(input.email, ctx.clientAddress ?? "unknown");
      } catch (err) {
        if (!(err instanceof LoginThrottledError)) throw err;
        throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: translate(ctx.locale ?? "en", "login.locked", { seconds: err.retryAfterSeconds }), cause: err });
      }
      const result = await loginWithPassword(ctx.app.db, input.email, input.password, ctx.app.env.SESSION_TTL_HOURS);
      finish(Boolean(result));
      if (!result) throw new TRPCError({ code: "UNAUTHORIZED", message: "Wrong e-mail or password." });
      ctx.setSessionCookie(result.token, result.expiresAt);
      return { id: result.user.id, name: result.user.name, role: result.user.role, locale: result.user.locale };
    }),
  logout: publicProcedure.mutation(async ({ ctx }) => {
    await endSession(ctx.app.db, ctx.sessionToken);
    ctx.setSessionCookie(null);
    return { ok: true };
  }),
  me: allowedFor("account.me").query(({ ctx }) => ({
    id: ctx.user.id,
    email: ctx.user.email,
    name: ctx.user.name,
    role: ctx.user.role,
    locale: ctx.user.locale,
  })),
});
