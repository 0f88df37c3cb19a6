-- CreateTable
CREATE TABLE "CaptureProvisional" (
    "id" TEXT NOT NULL,
    "surveyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "mediaType" TEXT NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "storageKey" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "scores" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "modelSha256" TEXT NOT NULL,

    CONSTRAINT "CaptureProvisional_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CaptureProvisional_surveyId_idempotencyKey_key" ON "CaptureProvisional"("surveyId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "CaptureProvisional" ADD CONSTRAINT "CaptureProvisional_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
