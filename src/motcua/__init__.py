"""motcua — hệ thống thông tin giải quyết thủ tục hành chính."""
