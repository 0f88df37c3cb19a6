// libsrtp 3.x API, as called by the mediasoup worker, over Debian's libsrtp2.
//
// mediasoup builds against a libsrtp 3.0 beta that Debian does not have. The
// crypto is the same; the 3.x API differs in three ways the worker relies on:
// - protect/unprotect take separate in/out buffers with size_t lengths and an
//   explicit out-buffer size (2.x works in place with int lengths);
// - the policy is an opaque handle built with srtp_policy_* setters;
// - srtp_stream_remove() and two new error codes.
// Everything here is inline C++ overloads next to the 2.x C functions, so the
// worker's sources stay untouched. MKI is not supported: mediasoup never uses
// it, and rejecting it beats silently ignoring key material.
#pragma once

#ifndef __cplusplus
#error "this libsrtp 3.x shim is C++ only: it overloads libsrtp 2.x functions"
#endif

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string.h> // explicit_bzero (glibc)

// 2.x names its policy struct srtp_policy_t; 3.x uses that name for the opaque
// handle. Rename the 2.x struct while its header is read.
#define srtp_policy_t ms_srtp2_policy_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

struct ms_srtp3_policy
{
	ms_srtp2_policy_t policy;
	srtp_profile_t profile;
	// 2.x reads master key and salt as one buffer of the cipher's length.
	unsigned char key[SRTP_MAX_KEY_LEN];
};

using srtp_policy_t = ms_srtp3_policy*;

// Values from libsrtp 3.x; 2.x stops at srtp_err_status_pkt_idx_adv (27).
inline constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	*policy = new (std::nothrow) ms_srtp3_policy{};

	if (*policy == nullptr)
		return srtp_err_status_alloc_fail;

	(*policy)->policy.key  = (*policy)->key;
	(*policy)->policy.next = nullptr;

	return srtp_err_status_ok;
}

inline void srtp_policy_destroy(srtp_policy_t policy)
{
	if (policy == nullptr)
		return;

	// The buffer holds the SRTP master key: do not leave it in freed memory.
	explicit_bzero(policy->key, sizeof(policy->key));
	delete policy;
}

inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.ssrc = ssrc;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->policy.rtp, profile);

	if (err != srtp_err_status_ok)
		return err;

	err = srtp_crypto_policy_set_from_profile_for_rtcp(&policy->policy.rtcp, profile);

	if (err != srtp_err_status_ok)
		return err;

	policy->profile = profile;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t key_len,
  const uint8_t* salt,
  size_t salt_len,
  const uint8_t* mki,
  size_t mki_len)
{
	if (policy == nullptr || key == nullptr || salt == nullptr)
		return srtp_err_status_bad_param;

	if (mki != nullptr || mki_len != 0)
		return srtp_err_status_bad_param;

	// 2.x takes the lengths from the profile and would read past a shorter key.
	if (
	  key_len != srtp_profile_get_master_key_length(policy->profile) ||
	  salt_len != srtp_profile_get_master_salt_length(policy->profile) ||
	  key_len + salt_len > sizeof(policy->key))
	{
		return srtp_err_status_bad_param;
	}

	std::memcpy(policy->key, key, key_len);
	std::memcpy(policy->key + key_len, salt, salt_len);

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.allow_repeat_tx = allow ? 1 : 0;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t window_size)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.window_size = window_size;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_create(srtp_t* session, srtp_policy_t policy)
{
	if (session == nullptr || policy == nullptr)
		return srtp_err_status_bad_param;

	const ms_srtp2_policy_t* policy2 = &policy->policy;

	return srtp_create(session, policy2);
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

namespace ms_srtp3_shim
{
	// Copies |in| to |out| (unless they are the same buffer), checks that |out|
	// can hold the packet plus |room| more bytes, and runs the in-place 2.x
	// function on |out|.
	template<typename InPlace>
	inline srtp_err_status_t Run(
	  InPlace inPlace, const uint8_t* in, size_t in_len, uint8_t* out, size_t* out_len, size_t room)
	{
		if (in == nullptr || out == nullptr || out_len == nullptr)
			return srtp_err_status_bad_param;

		if (in_len > static_cast<size_t>(INT_MAX) - room)
			return srtp_err_status_bad_param;

		if (*out_len < in_len + room)
			return srtp_err_status_buffer_small;

		if (out != in)
			std::memmove(out, in, in_len);

		int len = static_cast<int>(in_len);

		const srtp_err_status_t err = inPlace(out, &len);

		if (err == srtp_err_status_ok)
			*out_len = static_cast<size_t>(len);

		return err;
	}
} // namespace ms_srtp3_shim

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index = 0)
{
	if (mki_index != 0)
		return srtp_err_status_bad_param;

	return ms_srtp3_shim::Run(
	  [ctx](uint8_t* buf, int* len) { return srtp_protect(ctx, buf, len); },
	  rtp,
	  rtp_len,
	  srtp,
	  srtp_len,
	  SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	return ms_srtp3_shim::Run(
	  [ctx](uint8_t* buf, int* len) { return srtp_unprotect(ctx, buf, len); },
	  srtp,
	  srtp_len,
	  rtp,
	  rtp_len,
	  0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index = 0)
{
	if (mki_index != 0)
		return srtp_err_status_bad_param;

	// 2.x appends the 4-byte SRTCP index in addition to the trailer.
	return ms_srtp3_shim::Run(
	  [ctx](uint8_t* buf, int* len) { return srtp_protect_rtcp(ctx, buf, len); },
	  rtcp,
	  rtcp_len,
	  srtcp,
	  srtcp_len,
	  SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	return ms_srtp3_shim::Run(
	  [ctx](uint8_t* buf, int* len) { return srtp_unprotect_rtcp(ctx, buf, len); },
	  srtcp,
	  srtcp_len,
	  rtcp,
	  rtcp_len,
	  0);
}
