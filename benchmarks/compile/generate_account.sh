#!/usr/bin/env bash
# Writes a translation unit with the shape of a real application's account deletion (Mastodon's, ported):
# 61 models, every one of them reached from the root Account, as the real port is:
#   - 29 associations of Account itself, most of them dependent::destroy, some twice onto one model
#     (follows by account_id and by target_account_id, blocks, mutes, reports, notifications);
#   - one self-referential edge (a status's reblogs), polymorphic notifications reached from six models
#     (as: activity), an OAuth application owned polymorphically by its user (as: owner);
#   - diamonds: favourites, mentions, polls, list accounts, status edits, access tokens, web push
#     subscriptions and more are reached from two or three parents;
#   - a belongs_to with dependent::destroy (a session activation destroys its access token), plain
#     belongs_to back to their owners, delete_all, nullify, a restriction and a where scope;
#   - models of 6 to 12 columns of mixed types; about a quarter with callbacks (before_destroy,
#     after_destroy, after_commit): their rows are loaded.
# The unit instantiates cascade::destroy<schema, Account> only (root), explain<schema, Account> only
# (explain: the plan and its SQL without row code), or nothing but the checked schema (schema), so the
# cost of one root reads as the difference.
#   generate_account.sh [root|explain|schema] > account.cpp
set -euo pipefail
what=${1:-root}
case $what in root|explain|schema) ;; *) echo "generate_account.sh: unknown unit '$what' (root, explain or schema)" >&2; exit 2 ;; esac

declare -A members assocs callbacks
order=()
# model name, filler columns (a cycle of types), callbacks
model() {
  order+=("$1"); members[$1]="(std::int64_t, id)"; assocs[$1]=""; callbacks[$1]=${3:-}
  local types=("std::string" "std::int64_t" "std::optional<std::string>" "bool" "std::optional<std::int64_t>" "double")
  local names=(text created_at uri visibility updated_at score)
  for (( k = 0; k < $2; k++ )); do members[$1]+=", (${types[$(( k % 6 ))]}, ${names[$(( k % 6 ))]}_$k)"; done
}
column() { case "${members[$1]}," in *", $2),"*) ;; *) members[$1]+=", ($3, $2)" ;; esac; }  # model name type
# owner kind target fk policy [options...]: has_many/has_one/belongs_to; the fk is a member of the target
# (has side) or of the owner (belongs_to)
assoc() {
  local owner=$1 kind=$2 target=$3 fk=$4 policy=$5; shift 5
  local opts=""; for o in "$@"; do opts+=", $o"; done
  if [ "$kind" = belongs_to ]; then
    column "$owner" "$fk" "std::optional<std::int64_t>"
    assocs[$owner]+=", c::belongs_to<$target, &$owner::$fk${policy:+, d::$policy}$opts>"
  else
    column "$target" "$fk" "std::optional<std::int64_t>"
    assocs[$owner]+=", c::$kind<$target, &$target::$fk${policy:+, d::$policy}$opts>"
  fi
}
poly() {  # owner target name policy: target's activity_id/activity_type (as: activity)
  column "$2" "${3}_id" "std::optional<std::int64_t>"
  column "$2" "${3}_type" "std::optional<std::string>"
  assocs[$1]+=", c::has_many<$2, &$2::${3}_id, d::$4, c::as<&$2::${3}_type>, c::name<\"${5:-$(echo "$2" | tr 'A-Z' 'a-z')s}\">>"
}
n() { echo "c::name<\"$1\">"; }

model Account 12 before
for m in User:10:before Status:12:commit Favourite:4 Bookmark:4 Follow:6:after FollowRequest:5 Block:4 Mute:5 \
         Notification:6 Mention:4 Report:10 ReportNote:6 List:5 ListAccount:4 AccountNote:5 AccountPin:4 \
         FeaturedTag:7 MediaAttachment:12:after Poll:9 PollVote:5 StatusPin:4 ScheduledStatus:6 AccountAlias:5 \
         AccountMigration:7 AccountWarning:8 AccountModerationNote:5 AccountDomainBlock:4 AccountStat:8 \
         AccountDeletionRequest:4 AccountConversation:7 ConversationMute:4 CustomFilter:8 CustomFilterKeyword:5 \
         CustomFilterStatus:4 Tombstone:5 Device:7 OneTimeKey:6 EncryptedMessage:9 FollowSuppression:4 \
         Appeal:8:before StatusEdit:10 StatusStat:7 StatusTrend:6 PreviewCardsStatus:3 AnnouncementReaction:5 \
         SessionActivation:8 AccessToken:9:commit AccessGrant:8 Application:9 WebPushSubscription:8 \
         WebauthnCredential:7 Invite:8 Backup:6:after Identity:5 WebSetting:4 Marker:5 LoginActivity:8 \
         BulkImport:9 BulkImportRow:5:before; do
  IFS=: read -r name cols cb <<<"$m"; model "$name" "$cols" "$cb"
done

# Account's own associations
assoc Account has_one User account_id destroy
assoc Account has_many Status account_id destroy
assoc Account has_many Favourite account_id destroy
assoc Account has_many Bookmark account_id destroy
assoc Account has_many Follow account_id destroy "$(n active_relationships)"
assoc Account has_many Follow target_account_id destroy "$(n passive_relationships)"
assoc Account has_many FollowRequest account_id destroy "$(n follow_requests)"
assoc Account has_many FollowRequest target_account_id destroy "$(n incoming_follow_requests)"
assoc Account has_many Block account_id destroy "$(n block_relationships)"
assoc Account has_many Block target_account_id destroy "$(n blocked_by_relationships)"
assoc Account has_many Mute account_id destroy "$(n mute_relationships)"
assoc Account has_many Mute target_account_id destroy "$(n muted_by_relationships)"
assoc Account has_many Notification account_id destroy
assoc Account has_many Notification from_account_id destroy "$(n active_notifications)"
assoc Account has_many Mention account_id destroy
assoc Account has_many Report account_id destroy
assoc Account has_many Report target_account_id destroy "$(n targeted_reports)"
assoc Account has_many ReportNote account_id destroy
assoc Account has_many List account_id destroy "$(n owned_lists)"
assoc Account has_many ListAccount account_id destroy
assoc Account has_many AccountNote account_id destroy
assoc Account has_many AccountNote target_account_id destroy "$(n targeted_account_notes)"
assoc Account has_many AccountPin account_id destroy
assoc Account has_many AccountPin target_account_id destroy "$(n targeted_account_pins)"
assoc Account has_many FeaturedTag account_id destroy
assoc Account has_many MediaAttachment account_id destroy
assoc Account has_many Poll account_id destroy
assoc Account has_many PollVote account_id destroy
assoc Account has_many StatusPin account_id destroy
assoc Account has_many ScheduledStatus account_id destroy
assoc Account has_many AccountAlias account_id destroy
assoc Account has_one AccountMigration account_id destroy
assoc Account has_many AccountMigration target_account_id nullify "$(n incoming_migrations)"
assoc Account has_many AccountWarning account_id destroy
assoc Account has_many AccountWarning target_account_id destroy "$(n strikes)"
assoc Account has_many AccountModerationNote account_id destroy
assoc Account has_many AccountModerationNote target_account_id destroy "$(n targeted_moderation_notes)"
assoc Account has_many AccountDomainBlock account_id delete_all
assoc Account has_one AccountStat account_id destroy
assoc Account has_one AccountDeletionRequest account_id destroy
assoc Account has_many AccountConversation account_id destroy
assoc Account has_many ConversationMute account_id destroy
assoc Account has_many CustomFilter account_id destroy
assoc Account has_many Tombstone account_id destroy
assoc Account has_many Device account_id destroy
assoc Account has_many EncryptedMessage from_account_id destroy
assoc Account has_one FollowSuppression account_id destroy
assoc Account has_many Appeal account_id destroy
assoc Account has_many StatusEdit account_id destroy
assoc Account has_many StatusTrend account_id destroy
assoc Account has_many AnnouncementReaction account_id destroy
assoc Account has_many BulkImport account_id destroy
# below the first level
assoc Status has_many Status reblog_of_id destroy "$(n reblogs)"   # the self-referential edge
assoc Status has_many Favourite status_id destroy
assoc Status has_many Bookmark status_id destroy
assoc Status has_many Mention status_id destroy
assoc Status has_many MediaAttachment status_id nullify
assoc Status has_one Poll status_id destroy
assoc Status has_many StatusPin status_id destroy
assoc Status has_many StatusEdit status_id destroy
assoc Status has_one StatusStat status_id destroy
assoc Status has_one StatusTrend status_id destroy
assoc Status has_many PreviewCardsStatus status_id delete_all
assoc Status has_many CustomFilterStatus status_id destroy
assoc Status belongs_to Account account_id ""
poly Status Notification activity destroy
poly Favourite Notification activity destroy
poly Follow Notification activity destroy
poly FollowRequest Notification activity destroy
poly Mention Notification activity destroy
poly Poll Notification activity destroy
assoc Follow has_many ListAccount follow_id destroy
assoc List has_many ListAccount list_id destroy
assoc Poll has_many PollVote poll_id delete_all "$(n votes)"
assoc Report has_many ReportNote report_id destroy "$(n notes)"
assoc Report has_many AccountWarning report_id nullify
assoc AccountWarning has_one Appeal account_warning_id destroy
assoc CustomFilter has_many CustomFilterKeyword custom_filter_id destroy "$(n keywords)"
assoc CustomFilter has_many CustomFilterStatus custom_filter_id destroy "$(n statuses)"
assoc Device has_many OneTimeKey device_id destroy
assoc Device has_many EncryptedMessage device_id destroy
assoc BulkImport has_many BulkImportRow bulk_import_id delete_all "$(n rows)"
assoc User has_many SessionActivation user_id destroy
assoc User has_many AccessToken resource_owner_id destroy
assoc User has_many AccessGrant resource_owner_id destroy
poly User Application owner destroy
assoc User has_many WebPushSubscription user_id destroy
assoc User has_many WebauthnCredential user_id destroy
assoc User has_many Invite user_id destroy
assoc User has_many Backup user_id destroy
assoc User has_many Identity user_id destroy
assoc User has_one WebSetting user_id destroy
assoc User has_many Marker user_id destroy
assoc User has_many LoginActivity user_id destroy
assoc User belongs_to Account account_id ""
assoc Application has_many AccessToken application_id destroy
assoc Application has_many AccessGrant application_id destroy
assoc AccessToken has_many WebPushSubscription access_token_id destroy
assoc SessionActivation belongs_to AccessToken access_token_id destroy
assoc Invite has_many User invite_id restrict_with_error "$(n invited_users)"
assoc ScheduledStatus has_many MediaAttachment scheduled_status_id nullify
column MediaAttachment processed bool
assoc Account has_many MediaAttachment account_id delete_all "c::where<&MediaAttachment::processed, false>" "$(n unprocessed_media)"
for m in Favourite Bookmark Mention StatusPin Poll; do assoc "$m" belongs_to Status status_id ""; done
for m in Favourite Bookmark Follow Block Mute Report List FeaturedTag; do assoc "$m" belongs_to Account account_id ""; done

echo '#include <cascade/soci.hpp>'
echo 'namespace c = cascade; namespace d = cascade::dependent;'
for m in "${order[@]}"; do
  cb=""
  case ${callbacks[$m]} in
    before) cb=" void before_destroy() {}" ;;
    after) cb=" void after_destroy() {}" ;;
    commit) cb=" void before_destroy() {} void after_commit() {}" ;;
  esac
  echo "struct $m { CASCADE_DEFINE_STRUCT($m, ${members[$m]});$cb };"
done
echo 'struct schema : c::schema<'
last=${order[-1]}
for m in "${order[@]}"; do
  table=$(echo "$m" | sed 's/\([a-z]\)\([A-Z]\)/\1_\2/g' | tr 'A-Z' 'a-z' | sed 's/\([^e]\)y$/\1ie/; s/s$/se/')s
  sep=","; [ "$m" = "$last" ] && sep=""
  echo "  c::model<$m, \"$table\"${assocs[$m]}>$sep"
done
echo '> {};'
case $what in
  root) echo 'c::destroy_result destroy_account(soci::session& sql) { return c::destroy<schema, Account>(sql, 1); }' ;;
  explain) echo 'std::string explain_account() { return c::explain<schema, Account>(); }' ;;
  schema) echo 'static_assert(c::check_schema<schema>::ok);' ;;
esac
echo 'int main() {}'
