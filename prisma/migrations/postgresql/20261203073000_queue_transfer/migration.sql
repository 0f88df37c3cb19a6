-- AlterTable
ALTER TABLE "QueueEntry" ADD COLUMN "transferSurveyId" TEXT,
ADD COLUMN "transferFromAgentId" TEXT,
ADD COLUMN "transferToAgentId" TEXT;

-- CreateIndex
CREATE INDEX "QueueEntry_transferSurveyId_idx" ON "QueueEntry"("transferSurveyId");
