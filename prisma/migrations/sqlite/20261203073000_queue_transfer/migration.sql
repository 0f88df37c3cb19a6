-- AlterTable
ALTER TABLE "QueueEntry" ADD COLUMN "transferSurveyId" TEXT;
ALTER TABLE "QueueEntry" ADD COLUMN "transferFromAgentId" TEXT;
ALTER TABLE "QueueEntry" ADD COLUMN "transferToAgentId" TEXT;

-- CreateIndex
CREATE INDEX "QueueEntry_transferSurveyId_idx" ON "QueueEntry"("transferSurveyId");
