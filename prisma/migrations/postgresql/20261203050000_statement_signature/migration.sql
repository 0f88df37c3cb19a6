-- CreateTable
CREATE TABLE "StatementSignature" (
    "id" TEXT NOT NULL,
    "surveyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "statementText" TEXT NOT NULL,
    "statementSha256" TEXT NOT NULL,
    "imagePng" BYTEA NOT NULL,
    "imageSha256" TEXT NOT NULL,
    "strokes" TEXT NOT NULL,
    "signedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StatementSignature_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StatementSignature_surveyId_idx" ON "StatementSignature"("surveyId");

-- AddForeignKey
ALTER TABLE "StatementSignature" ADD CONSTRAINT "StatementSignature_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
