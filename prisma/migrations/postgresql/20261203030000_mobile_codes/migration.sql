-- CreateTable
CREATE TABLE "MobileCode" (
    "id" TEXT NOT NULL,
    "mobile" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "MobileCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MobileCode_mobile_createdAt_idx" ON "MobileCode"("mobile", "createdAt");
